using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// RAdam against PyTorch 2.14 (fixtures by tools/golden/radam.py): PyTorch's option grid
/// (optim_inputs_func_radam) plus tensor-lr configs and both rectification regimes (switching
/// at step 6, never rectified), float32 and float64, 100 steps, on every path; mid-run state
/// dicts; differentiable runs with gradients through the steps.
/// </summary>
public class RAdamConformanceTests : OptimizerConformance<RAdamConformanceTests>, ICapturableAlgorithm
{
    public static string Name => "RAdam";
    public static string FixturePrefix => "radam";
    public static string CapturableCaseId => "radam/nonzero_weight_decay/forloop/float64";

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
        => new RAdam(parameters, lr: k.Lr(1e-3), betas: k.Pair("betas"), eps: k.Number("eps", 1e-8),
                     weightDecay: k.Number("weight_decay", 0), decoupledWeightDecay: k.Bool("decoupled_weight_decay"),
                     @foreach: path.Foreach, maximize: k.Bool("maximize"), capturable: path.Capturable, differentiable: path.Differentiable);
}

/// <summary>RAdam's differentiable runs (on the problem's recorded gradients; radam.py).</summary>
public class RAdamDifferentiableTests : DifferentiableConformance<RAdamConformanceTests>;

/// <summary>RAdam with <c>capturable: true</c> on each path.</summary>
public class RAdamCapturableTests : CapturableConformance<RAdamConformanceTests>;
