using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// ASGD against PyTorch 2.14 (fixtures by tools/golden/asgd.py): PyTorch's option grid
/// (optim_inputs_func_asgd) plus a tensor lr and configs whose averaging starts within the run
/// (t0 = 10), float32 and float64, 100 steps, on every path; mid-run state dicts; differentiable runs.
/// </summary>
public class AsgdConformanceTests : OptimizerConformance<AsgdConformanceTests>, ICapturableAlgorithm
{
    public static string Name => "ASGD";
    public static string FixturePrefix => "asgd";
    public static string CapturableCaseId => "asgd/averaging_from_step_12/forloop/float64";

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
        => new ASGD(parameters, lr: k.Lr(1e-2), lambd: k.Number("lambd", 1e-4), alpha: k.Number("alpha", 0.75),
                    t0: k.Number("t0", 1e6), weightDecay: k.Number("weight_decay", 0), @foreach: path.Foreach, maximize: k.Bool("maximize"),
                    differentiable: path.Differentiable, capturable: path.Capturable);
}

/// <summary>ASGD's differentiable runs (on the problem's recorded gradients; asgd.py).</summary>
public class AsgdDifferentiableTests : DifferentiableConformance<AsgdConformanceTests>;

/// <summary>ASGD with <c>capturable: true</c> on each path.</summary>
public class AsgdCapturableTests : CapturableConformance<AsgdConformanceTests>;
