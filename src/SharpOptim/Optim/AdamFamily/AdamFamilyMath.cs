using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// Element steps the Adam, AdamW and Adamax kernels share, rounding exactly as the tensor op it stands for
/// (under <see cref="ExactMath"/>): the NaN-propagating <c>maximum</c>. (Their lerp is
/// <see cref="LerpWeight{T}"/>.)
/// </summary>
internal static class AdamFamilyMath
{
    /// <summary><c>torch.maximum</c> lane-wise (the scalar rule is the tensor op's <c>MaximumOp</c>): NaN if either is NaN, else the larger (the second on a tie).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Maximum<TVec>(TVec a, TVec b) where TVec : struct, ISimdArithmetic<TVec>
    {
        var larger = TVec.ConditionalSelect(TVec.GreaterThan(a, b), a, b); // NaN in b comes through
        return TVec.ConditionalSelect(TVec.EqualTo(a, a), larger, a);       // NaN in a comes through
    }
}
