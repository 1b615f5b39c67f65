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
    public static string Trajectories => "asgd_trajectories.json.gz";
    public static string StateDicts => "asgd_state_dict.json.gz";
    public static string DifferentiableFixture => "asgd_differentiable.json.gz";
    public static string CapturableCaseId => "asgd/averaging_from_step_12/forloop/float64";

    public static OptimizerFactory Factory(string path) => FactoryFor(path);

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, Tensor? lr, bool? @foreach, bool differentiable, bool capturable)
        => new ASGD(parameters, lr: lr is null ? k.Lr(1e-2) : lr, lambd: k.Number("lambd", 1e-4), alpha: k.Number("alpha", 0.75),
                    t0: k.Number("t0", 1e6), weightDecay: k.Number("weight_decay", 0), @foreach: @foreach, maximize: k.Bool("maximize"),
                    differentiable: differentiable, capturable: capturable);

    /// <summary>
    /// Our reference and foreach paths round after every operation, while PyTorch's CPU kernels
    /// contract <c>add(..., alpha=...)</c> into fused multiply-adds (our fused path reproduces every
    /// recorded case without averaging bit for bit). In "maximize, nonzero weight_decay" in float32
    /// the difference reaches 1.5e-8 on an element of W that passes near zero at step 94: 1.56e-5
    /// relative to the 1e-3 floor of Tolerance, a quarter of an ulp of W's largest element. Every
    /// other case meets 1e-5 (worst 3.8e-6).
    /// </summary>
    public static double? LooserTolerance(string caseId, string path)
        => path is "reference" or "foreach" && caseId == "asgd/maximize_nonzero_weight_decay/forloop/float32" ? 2e-5 : null;
}
