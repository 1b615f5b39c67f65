using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Adam against PyTorch 2.14 over PyTorch's own option grid (optim_inputs_func_adam: its CPU configs,
/// then its tensor-lr and tensor-betas configs recorded with capturable dropped), float32 and
/// float64, for-loop and fused, 100 steps (fixtures by tools/golden/adam.py).
/// </summary>
public class AdamConformanceTests : OptimizerConformance<AdamConformanceTests>, IOptimizerFixtures
{
    public static string Trajectories => "adam_trajectories.sofx";
    public static string StateDicts => "adam_state_dict.sofx";

    public static OptimizerFactory Factory(string path) => (parameters, kwargs, tensorKwargs) =>
    {
        var k = new AdamFamilyKwargs(kwargs, tensorKwargs);
        return new Adam(parameters, lr: k.Lr(1e-3), betas: k.Betas(), eps: k.Number("eps", 1e-8),
            weightDecay: k.Number("weight_decay", 0), amsgrad: k.Flag("amsgrad"), maximize: k.Flag("maximize"),
            decoupledWeightDecay: k.Flag("decoupled_weight_decay"),
            @foreach: AdamPaths.Foreach(path), fused: AdamPaths.Fused(path),
            capturable: AdamPaths.CapturableFor(path, k));
    };

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
public class AdamWConformanceTests : OptimizerConformance<AdamWConformanceTests>, IOptimizerFixtures
{
    public static string Trajectories => "adamw_trajectories.sofx";
    public static string StateDicts => "adamw_state_dict.sofx";

    public static OptimizerFactory Factory(string path) => (parameters, kwargs, tensorKwargs) =>
    {
        var k = new AdamFamilyKwargs(kwargs, tensorKwargs);
        return new AdamW(parameters, lr: k.Lr(1e-3), betas: k.Betas(), eps: k.Number("eps", 1e-8),
            weightDecay: k.Number("weight_decay", 1e-2), amsgrad: k.Flag("amsgrad"), maximize: k.Flag("maximize"),
            @foreach: AdamPaths.Foreach(path), fused: AdamPaths.Fused(path),
            capturable: AdamPaths.CapturableFor(path, k));
    };

    public static bool Replays(string caseId, string path) => AdamFamilyTolerances.Replays(Trajectories, caseId, path);

    public static double? LooserTolerance(string caseId, string path) => AdamFamilyTolerances.Lookup(Float32Exceptions, caseId, path);

    /// <summary>See <see cref="AdamFamilyTolerances"/> for why.</summary>
    private static readonly Float32Exception[] Float32Exceptions =
    [
        new("adamw/non_default_lr/fused/float32", AdamFamilyTolerances.Fused, 1.61e-5),
    ];
}

/// <summary>The flags that put Adam and AdamW on each of our paths.</summary>
internal static class AdamPaths
{
    public static bool? Foreach(string path) => path switch { "reference" => false, "foreach" => true, _ => null };

    public static bool? Fused(string path) => path == "fused" ? true : null;

    /// <summary>
    /// PyTorch refuses a tensor lr or betas with foreach=True unless capturable=True; capturable
    /// changes nothing here on the CPU, so it is what lets the foreach path take those cases.
    /// </summary>
    public static bool CapturableFor(string path, AdamFamilyKwargs k) => path == "foreach" && k.HasTensorHyperParameters;
}
