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

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, Tensor? lr, bool? @foreach, bool differentiable, bool capturable)
        => new NAdam(parameters, lr: lr is null ? k.Lr(2e-3) : lr, betas: k.Pair("betas"), eps: k.Number("eps", 1e-8),
                     weightDecay: k.Number("weight_decay", 0), momentumDecay: k.Number("momentum_decay", 4e-3),
                     decoupledWeightDecay: k.Bool("decoupled_weight_decay"), @foreach: @foreach, maximize: k.Bool("maximize"),
                     capturable: capturable, differentiable: differentiable);

    /// <summary>
    /// Our reference and foreach paths round after every operation, while PyTorch's CPU kernels
    /// contract the multiply-adds of lerp, addcmul and add-with-alpha (our fused path, which
    /// contracts the same way, reproduces every recorded case bit for bit). Over 100 float32
    /// steps those ulp-level differences grow to 1.5e-8 on an element of W that crosses zero near
    /// step 67, measured 2.60e-5 (non-zero momentum_decay) and 1.20e-5 (weight_decay) relative to
    /// the 1e-3 floor of Tolerance, a quarter of an ulp of W's largest element. Every other case
    /// meets 1e-5 (worst 7.9e-6).
    /// </summary>
    public static double? LooserTolerance(string caseId, string path)
        => path is "reference" or "foreach" && caseId is "nadam/non_zero_momentum_decay/forloop/float32" or "nadam/weight_decay/forloop/float32"
            ? 3e-5
            : null;
}
