using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>A float32 case one of our paths cannot hold to 1e-5, with the worst relative error measured there.</summary>
internal sealed record Float32Exception(string CaseId, string[] Paths, double Measured);

/// <summary>
/// Where the Adam family's float32 trajectories cannot meet the 1e-5 tolerance, and why.
/// <para>
/// Our reference, foreach and default paths reproduce every recorded for-loop case of Adam, AdamW
/// and Adamax bit for bit (their tensor ops and kernels round each <c>add(alpha=)</c>, <c>addcmul_</c>
/// and <c>lerp_</c> once, as PyTorch's CPU kernels do). Our fused path against PyTorch's fused CPU
/// kernel is the exception: PyTorch computes part of its scalar tail in double (float values times
/// its double hyper-parameters), which depends on the CPU's vector width, and Adam-type updates
/// normalise each element by its own gradient history, so an element whose gradient hovers near
/// zero turns that last-bit difference into a visible one over 100 steps at lr 0.01. PyTorch's own
/// for-loop and fused results differ by as much on these configs (1.9e-5 for lr 0.01, 2.6e-5 for
/// a tensor lr 0.01, from the same fixtures). The listed cases are held to <see cref="Limit"/> instead.
/// </para>
/// </summary>
internal static class AdamFamilyTolerances
{
    public const double Limit = 1e-4;

    public static double? Lookup(IEnumerable<Float32Exception> exceptions, string caseId, string path)
        => exceptions.Any(e => e.CaseId == caseId && e.Paths.Contains(path)) ? Limit : null;

    /// <summary>Our fused path, against PyTorch's fused kernel.</summary>
    public static readonly string[] Fused = ["fused"];

    /// <summary>
    /// A PyTorch for-loop case with a tensor lr or betas is not replayed on our fused path: with
    /// <c>fused: true</c> we follow PyTorch's fused kernel, which reads those tensors as numbers and
    /// computes in double, while its for-loop rounds them to float32 — PyTorch's two
    /// implementations differ by far more than rounding there (up to 8.7e-4 in float64, AdamW with a
    /// tensor lr). Our fused path is checked against PyTorch's fused case of the same config instead,
    /// and our default path (the for-loop's arithmetic) against this one.
    /// </summary>
    public static bool Replays(string trajectories, string caseId, string path)
        => !(path == "fused" && caseId.Contains("/forloop/") && TrajectoryCheck.TensorKwargs(TrajectoryCheck.Case(trajectories, caseId)).Count > 0);
}
