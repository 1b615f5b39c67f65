using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// ASGD against PyTorch 2.14 (fixtures by tools/golden/asgd.py): PyTorch's option grid
/// (optim_inputs_func_asgd) plus a tensor lr and configs whose averaging starts within the run
/// (t0 = 10), float32 and float64, 100 steps, on every path; mid-run state dicts; differentiable runs.
/// </summary>
public class AsgdConformanceTests : AlgorithmConformance<AsgdConformanceTests>, IAlgorithmFixtures
{
    public static string Trajectories => "asgd_trajectories.sofx";
    public static string StateDicts => "asgd_state_dict.sofx";
    public static string DifferentiableFixture => "asgd_differentiable.sofx";
    public static string CapturableCaseId => "asgd/averaging_from_step_12/forloop/float64";

    public static OptimizerFactory Factory(string path) => FactoryFor(path);

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, Tensor? lr, bool? @foreach, bool differentiable, bool capturable)
        => new ASGD(parameters, lr: lr is null ? k.Lr(1e-2) : lr, lambd: k.Number("lambd", 1e-4), alpha: k.Number("alpha", 0.75),
                    t0: k.Number("t0", 1e6), weightDecay: k.Number("weight_decay", 0), @foreach: @foreach, maximize: k.Bool("maximize"),
                    differentiable: differentiable, capturable: capturable);
}
