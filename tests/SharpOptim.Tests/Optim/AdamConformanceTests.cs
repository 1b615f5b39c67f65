using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Adam against PyTorch 2.14 over PyTorch's own option grid (optim_inputs_func_adam: its CPU configs,
/// then its tensor-lr and tensor-betas configs recorded with capturable dropped), float32 and
/// float64, for-loop and fused, 100 steps (fixtures by tools/golden/adam.py).
/// </summary>
public class AdamConformanceTests : OptimizerConformance<AdamConformanceTests>, ICapturableAlgorithm
{
    public static string Name => "Adam";
    public static string FixturePrefix => "adam";
    public static string CapturableCaseId => "adam/Tensor_lr_Tensor_betas_with_capturable_and_amsgrad_capturable_dropped_on_CPU/forloop/float64";

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
        => new Adam(parameters, lr: k.Lr(1e-3), betas: k.Betas(), eps: k.Number("eps", 1e-8),
            weightDecay: k.Number("weight_decay", 0), amsgrad: k.Flag("amsgrad"), maximize: k.Flag("maximize"),
            decoupledWeightDecay: k.Flag("decoupled_weight_decay"), @foreach: path.Foreach, fused: path.Fused,
            capturable: AdamPaths.Capturable(path, k), differentiable: path.Differentiable);

    public static bool Replays(string caseId, string path) => AdamFamilyTolerances.Replays(Trajectories, caseId, path);

    public static double? LooserTolerance(string caseId, string path) => AdamFamilyTolerances.Lookup(Float32Exceptions, caseId, path);

    /// <summary>See <see cref="AdamFamilyTolerances"/> for why.</summary>
    private static readonly Float32Exception[] Float32Exceptions =
    [
        new("adam/non_default_lr/fused/float32", AdamFamilyTolerances.Fused, 1.26e-5),
        new("adam/Tensor_lr/fused/float32", AdamFamilyTolerances.Fused, 3.58e-5),
    ];
}

/// <summary>AdamW over the same grid (tools/golden/adam.py writes adamw_* fixtures too).</summary>
public class AdamWConformanceTests : OptimizerConformance<AdamWConformanceTests>, ICapturableAlgorithm
{
    public static string Name => "AdamW";
    public static string FixturePrefix => "adamw";
    public static string CapturableCaseId => "adamw/Tensor_lr_Tensor_betas_with_capturable_and_amsgrad_capturable_dropped_on_CPU/forloop/float64";

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
        => new AdamW(parameters, lr: k.Lr(1e-3), betas: k.Betas(), eps: k.Number("eps", 1e-8),
            weightDecay: k.Number("weight_decay", 1e-2), amsgrad: k.Flag("amsgrad"), maximize: k.Flag("maximize"),
            @foreach: path.Foreach, fused: path.Fused, capturable: AdamPaths.Capturable(path, k), differentiable: path.Differentiable);

    public static bool Replays(string caseId, string path) => AdamFamilyTolerances.Replays(Trajectories, caseId, path);

    public static double? LooserTolerance(string caseId, string path) => AdamFamilyTolerances.Lookup(Float32Exceptions, caseId, path);

    /// <summary>See <see cref="AdamFamilyTolerances"/> for why.</summary>
    private static readonly Float32Exception[] Float32Exceptions =
    [
        new("adamw/non_default_lr/fused/float32", AdamFamilyTolerances.Fused, 1.61e-5),
    ];
}

/// <summary>The capturable flag Adam and AdamW get on each of our paths.</summary>
internal static class AdamPaths
{
    /// <summary>
    /// The path's own flag; and PyTorch refuses a tensor lr or betas with foreach=True unless
    /// capturable=True, while capturable changes nothing here on the CPU, so it is also what lets
    /// the foreach path take those cases.
    /// </summary>
    public static bool Capturable(OptimizerPath path, RecordedKwargs k) => path.Capturable || (path.Foreach == true && k.HasTensorHyperParameters);
}

/// <summary>Adam's differentiable runs (PyTorch's _diff_fn chained; adam.py).</summary>
public class AdamDifferentiableTests : DifferentiableConformance<AdamConformanceTests>;

/// <summary>Adam with <c>capturable: true</c> on each path.</summary>
public class AdamCapturableTests : CapturableConformance<AdamConformanceTests>;

/// <summary>AdamW's differentiable runs (PyTorch's _diff_fn chained; adam.py).</summary>
public class AdamWDifferentiableTests : DifferentiableConformance<AdamWConformanceTests>;

/// <summary>AdamW with <c>capturable: true</c> on each path.</summary>
public class AdamWCapturableTests : CapturableConformance<AdamWConformanceTests>;
