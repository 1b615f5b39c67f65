using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// NAdam against PyTorch 2.14 (fixtures by tools/golden/nadam.py): PyTorch's option grid
/// (optim_inputs_func_nadam) plus tensor-lr configs, float32 and float64, 100 steps, on every
/// path; mid-run state dicts; differentiable runs with gradients through the steps.
/// </summary>
public class NAdamConformanceTests : OptimizerConformance<NAdamConformanceTests>, ICapturableAlgorithm
{
    public static string Name => "NAdam";
    public static string FixturePrefix => "nadam";
    public static string CapturableCaseId => "nadam/weight_decay/forloop/float64";

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
        => new NAdam(parameters, lr: k.Lr(2e-3), betas: k.Pair("betas"), eps: k.Number("eps", 1e-8),
                     weightDecay: k.Number("weight_decay", 0), momentumDecay: k.Number("momentum_decay", 4e-3),
                     decoupledWeightDecay: k.Bool("decoupled_weight_decay"), @foreach: path.Foreach, maximize: k.Bool("maximize"),
                     capturable: path.Capturable, differentiable: path.Differentiable);
}

/// <summary>NAdam's differentiable runs (on the problem's recorded gradients; nadam.py).</summary>
public class NAdamDifferentiableTests : DifferentiableConformance<NAdamConformanceTests>;

/// <summary>NAdam with <c>capturable: true</c> on each path.</summary>
public class NAdamCapturableTests : CapturableConformance<NAdamConformanceTests>;
