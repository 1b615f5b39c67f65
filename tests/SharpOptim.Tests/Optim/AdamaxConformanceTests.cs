using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Adamax against PyTorch 2.14 over PyTorch's own option grid (optim_inputs_func_adamax: its CPU
/// configs, then its CUDA-only ones recorded with capturable dropped), float32 and float64, 100
/// steps (fixtures by tools/golden/adamax.py). PyTorch has no fused Adamax, so its cases are all
/// for-loop ones; our "fused" path is the default (foreach unset: the fused-rounding kernel).
/// </summary>
public class AdamaxConformanceTests : OptimizerConformance<AdamaxConformanceTests>, ICapturableAlgorithm
{
    public static string Name => "Adamax";
    public static string FixturePrefix => "adamax";
    public static string CapturableCaseId => "adamax/capturable_weight_decay_tensor_LR_capturable_dropped_on_CPU/forloop/float64";

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
        => new Adamax(parameters, lr: k.Lr(2e-3), betas: k.Pair("betas"), eps: k.Number("eps", 1e-8),
            weightDecay: k.Number("weight_decay", 0), maximize: k.Flag("maximize"), @foreach: path.Foreach,
            capturable: path.Capturable, differentiable: path.Differentiable);
}

/// <summary>Adamax's differentiable runs (PyTorch's _diff_fn chained; adamax.py).</summary>
public class AdamaxDifferentiableTests : DifferentiableConformance<AdamaxConformanceTests>;

/// <summary>Adamax with <c>capturable: true</c> on each path.</summary>
public class AdamaxCapturableTests : CapturableConformance<AdamaxConformanceTests>;
