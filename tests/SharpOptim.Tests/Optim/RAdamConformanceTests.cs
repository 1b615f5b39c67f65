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
public class RAdamConformanceTests : AlgorithmConformance<RAdamConformanceTests>, IAlgorithmFixtures
{
    public static string Trajectories => "radam_trajectories.sofx";
    public static string StateDicts => "radam_state_dict.sofx";
    public static string DifferentiableFixture => "radam_differentiable.sofx";
    public static string CapturableCaseId => "radam/nonzero_weight_decay/forloop/float64";

    public static OptimizerFactory Factory(string path) => FactoryFor(path);

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, Tensor? lr, bool? @foreach, bool differentiable, bool capturable)
        => new RAdam(parameters, lr: lr is null ? k.Lr(1e-3) : lr, betas: k.Pair("betas"), eps: k.Number("eps", 1e-8),
                     weightDecay: k.Number("weight_decay", 0), decoupledWeightDecay: k.Bool("decoupled_weight_decay"),
                     @foreach: @foreach, maximize: k.Bool("maximize"), capturable: capturable, differentiable: differentiable);
}
