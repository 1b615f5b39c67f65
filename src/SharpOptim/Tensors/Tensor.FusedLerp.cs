using System.Numerics;
using SharpOptim.Autograd;

namespace SharpOptim;

// Lerp rounded as PyTorch's CPU lerp kernel rounds it.
public partial class Tensor
{
    /// <summary>
    /// <c>this.lerp(end, weight)</c> rounded as PyTorch's CPU kernel rounds it: <c>end − this</c>,
    /// then one fused multiply-add, <c>fma(weight, end − this, this)</c> or, when |weight| ≥ 0.5,
    /// <c>fma(weight − 1, end − this, end)</c>. <see cref="Lerp(Tensor, double)"/> rounds the product
    /// and the sum apart. For optimizer steps whose results depend on the last bit (Muon rounds its
    /// update to bfloat16, where one float32 ulp can flip a bfloat16 one); no autograd.
    /// </summary>
    internal Tensor FusedLerp(Tensor end, double weight)
    {
        var r = Clone(recordGraph: false);
        FusedLerpInto(r, end, weight);
        return r;
    }

    /// <summary>In-place <see cref="FusedLerp"/>.</summary>
    internal Tensor FusedLerp_(Tensor end, double weight)
    {
        FusedLerpInto(this, end, weight);
        Storage.Version++;
        return this;
    }

    private static void FusedLerpInto(Tensor dst, Tensor end, double weight)
    {
        if (Graph.NeedsGrad(dst, end)) throw new NotSupportedException("FusedLerp is not recorded by autograd");
        if (!ShapeUtil.SameShape(dst._shape, end._shape))
            throw new ArgumentException($"lerp: end of shape {ShapeUtil.Format(end._shape)} does not match {ShapeUtil.Format(dst._shape)}");
        if (end.DType != dst.DType) end = end.To(dst.DType);
        switch (dst.DType)
        {
            case DType.Float32: Run(dst.Span<float>(), end.Span<float>(), (float)weight); break;
            case DType.Float64: Run(dst.Span<double>(), end.Span<double>(), weight); break;
            default: throw NotFloating(dst, "lerp");
        }

        static void Run<T>(Span<T> start, ReadOnlySpan<T> end, T w) where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int i = 0; i < start.Length; i++) start[i] = FusedLerpScalar(start[i], end[i], w);
        }
    }

    /// <summary>One element of <see cref="FusedLerp"/>.</summary>
    internal static T FusedLerpScalar<T>(T start, T end, T weight) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T diff = end - start;
        return T.Abs(weight) < T.CreateTruncating(0.5)
            ? T.FusedMultiplyAdd(weight, diff, start)
            : T.FusedMultiplyAdd(weight - T.One, diff, end);
    }
}
