using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// NAdam against PyTorch 2.14 (fixtures by tools/golden/nadam.py): PyTorch's option grid
/// (optim_inputs_func_nadam) plus tensor-lr configs, float32 and float64, 100 steps, on every
/// path; mid-run state dicts; differentiable runs with gradients through the steps.
/// </summary>
public class NAdamConformanceTests : AlgorithmConformance<NAdamConformanceTests>, IAlgorithmFixtures
{
    public static string Trajectories => "nadam_trajectories.sofx";
    public static string StateDicts => "nadam_state_dict.sofx";
    public static string DifferentiableFixture => "nadam_differentiable.sofx";
    public static string CapturableCaseId => "nadam/weight_decay/forloop/float64";

    public static OptimizerFactory Factory(string path) => FactoryFor(path);

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, Tensor? lr, bool? @foreach, bool differentiable, bool capturable)
        => new NAdam(parameters, lr: lr is null ? k.Lr(2e-3) : lr, betas: k.Pair("betas"), eps: k.Number("eps", 1e-8),
                     weightDecay: k.Number("weight_decay", 0), momentumDecay: k.Number("momentum_decay", 4e-3),
                     decoupledWeightDecay: k.Bool("decoupled_weight_decay"), @foreach: @foreach, maximize: k.Bool("maximize"),
                     capturable: capturable, differentiable: differentiable);
}
