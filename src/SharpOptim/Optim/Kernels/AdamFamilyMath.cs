using System.Numerics;
using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// Element steps the Adam-family kernels share, each rounding exactly as the tensor op it stands
/// for (under <see cref="ExactMath"/>): PyTorch's two-branch <c>lerp</c> with a uniform weight, and
/// the NaN-propagating <c>maximum</c>.
/// </summary>
internal readonly struct LerpWeight<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _weight, _negOneMinusWeight;

    /// <summary>The weight is cast to the element type first, as <c>lerp_(end, float)</c> does.</summary>
    public LerpWeight(double weight)
    {
        _weight = T.CreateTruncating(weight);
        _negOneMinusWeight = -(T.One - _weight);
        Small = T.Abs(_weight) < T.CreateTruncating(0.5);
    }

    /// <summary>Which of lerp's two formulas applies (the same for every element).</summary>
    public bool Small { get; }

    /// <summary>
    /// <c>start + w·(end − start)</c> when |w| &lt; 0.5, else <c>end − (end − start)·(1 − w)</c>, each
    /// product-then-sum a <typeparamref name="TMath"/> multiply-add.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<TMath>(T start, T end) where TMath : IKernelMath
        => Small ? TMath.MulAdd(_weight, end - start, start) : TMath.MulAdd(_negOneMinusWeight, end - start, end);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<T> Apply<TMath>(Vector<T> start, Vector<T> end) where TMath : IKernelMath
        => Small ? TMath.MulAdd(new Vector<T>(_weight), end - start, start) : TMath.MulAdd(new Vector<T>(_negOneMinusWeight), end - start, end);
}

internal static class AdamFamilyMath
{
    /// <summary><c>torch.maximum</c>: NaN if either is NaN, else the larger (the second on a tie).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Maximum<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T>
        => T.IsNaN(a) || T.IsNaN(b) ? T.NaN : a > b ? a : b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Maximum<T>(Vector<T> a, Vector<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var larger = Vector.ConditionalSelect(Vector.GreaterThan(a, b), a, b); // NaN in b comes through
        return Vector.ConditionalSelect(Vector.Equals(a, a), larger, a);       // NaN in a comes through
    }
}
