using System.Numerics;
using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// <c>start.lerp(end, weight)</c> inside a kernel, in PyTorch's two-branch form (the same as the
/// tensor op): <c>start + weight·(end − start)</c> when |weight| &lt; 0.5, else
/// <c>end − (end − start)·(1 − weight)</c>, each branch one <see cref="IKernelMath.MulAdd{T}(T, T, T)"/>:
/// rounded once in either numerics mode, as PyTorch's CPU lerp and the tensor op
/// (<see cref="LerpOp{T}"/>) compute it.
/// </summary>
internal static class LerpMath
{
    /// <summary>The branch is decided by the weight alone, so a kernel with one weight for a whole chunk picks it once.</summary>
    public static bool IsSmallWeight<T>(T weight) where T : unmanaged, IFloatingPointIeee754<T>
        => T.Abs(weight) < T.CreateTruncating(0.5);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Lerp<T, TMath>(T start, T end, T weight, bool smallWeight)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        T diff = end - start;
        return smallWeight ? TMath.MulAdd(weight, diff, start) : TMath.MulAdd(-diff, T.One - weight, end);
    }

    /// <summary>Lane-wise, for the kernels written on <see cref="Vector{T}"/> (Adafactor's, Muon's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Lerp<T, TMath>(Vector<T> start, Vector<T> end, Vector<T> weight, Vector<T> oneMinusWeight, bool smallWeight)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
        => Lerp(new NativeLanes<T>(start), new NativeLanes<T>(end), new NativeLanes<T>(weight), new NativeLanes<T>(oneMinusWeight), smallWeight).Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Lerp<TVec>(TVec start, TVec end, TVec weight, TVec oneMinusWeight, bool smallWeight)
        where TVec : struct, ISimdArithmetic<TVec>
    {
        var diff = end - start;
        return smallWeight ? TVec.MulAdd(weight, diff, start) : TVec.MulAdd(-diff, oneMinusWeight, end);
    }
}

/// <summary>
/// <c>lerp_(end, weight)</c> with one weight for every element (a Python float cast to the element
/// type first, as the tensor op casts it), so the branch and <c>1 - weight</c> are settled once.
/// </summary>
internal readonly struct LerpWeight<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _weight, _oneMinusWeight;

    public LerpWeight(double weight)
    {
        _weight = T.CreateTruncating(weight);
        _oneMinusWeight = T.One - _weight;
        Small = LerpMath.IsSmallWeight(_weight);
    }

    /// <summary>Which of lerp's two formulas applies (the same for every element).</summary>
    public bool Small { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<TMath>(T start, T end) where TMath : IKernelMath
        => LerpMath.Lerp<T, TMath>(start, end, _weight, Small);

    /// <summary>Lane-wise; a lerp is one rounding in either numerics mode, so it takes none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Apply<TVec>(TVec start, TVec end) where TVec : struct, ISimdVector<TVec, T>
        => LerpMath.Lerp(start, end, TVec.Create(_weight), TVec.Create(_oneMinusWeight), Small);
}
