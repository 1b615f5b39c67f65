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
    public static string Trajectories => "nadam_trajectories.json.gz";
    public static string StateDicts => "nadam_state_dict.json.gz";
    public static string DifferentiableFixture => "nadam_differentiable.json.gz";
    public static string CapturableCaseId => "nadam/weight_decay/forloop/float64";

    public static OptimizerFactory Factory(string path) => FactoryFor(path);

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs kwargs, Tensor? lr, bool? @foreach, bool differentiable, bool capturable)
        => new NAdam(parameters, lr: lr is null ? kwargs.Lr(2e-3) : lr, betas: kwargs.Pair("betas"), eps: kwargs.Number("eps", 1e-8),
                     weightDecay: kwargs.Number("weight_decay", 0), momentumDecay: kwargs.Number("momentum_decay", 4e-3),
                     decoupledWeightDecay: kwargs.Bool("decoupled_weight_decay"), @foreach: @foreach, maximize: kwargs.Bool("maximize"),
                     capturable: capturable, differentiable: differentiable);
}
