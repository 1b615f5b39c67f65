using System.Numerics;
using SharpOptim.Autograd;

namespace SharpOptim;

// Addcmul rounded as PyTorch's CPU addcmul kernel rounds it.
public partial class Tensor
{
    /// <summary>
    /// <c>this.addcmul(t1, t2, value)</c> rounded as PyTorch's CPU kernel rounds it: <c>value · t1</c>,
    /// then one fused multiply-add, <c>fma(value · t1, t2, this)</c> (the kernel is compiled with
    /// contraction). <see cref="Addcmul"/> rounds the product and the sum apart: they differ in the
    /// last bit, and where the product overflows but the sum does not (<c>inf − t1·t2</c> with
    /// <c>t1·t2</c> beyond the range) the separate product gives <c>inf − inf = NaN</c> where
    /// PyTorch's stays <c>inf</c>. Operands of this tensor's shape and dtype; under autograd the
    /// node is <see cref="Addcmul"/>'s (its derivative does not depend on the rounding).
    /// </summary>
    internal Tensor FusedAddcmul(Tensor tensor1, Tensor tensor2, double value)
    {
        if (!ShapeUtil.SameShape(tensor1._shape, _shape) || !ShapeUtil.SameShape(tensor2._shape, _shape)
            || tensor1.DType != DType || tensor2.DType != DType)
            throw new ArgumentException($"FusedAddcmul takes operands of the shape and dtype of self ({ShapeUtil.Format(_shape)}, {DType})");
        var result = Graph.NeedsGrad(this, tensor1, tensor2) ? Addcmul(tensor1, tensor2, value) : NewUninitialized(_shape);
        switch (DType)
        {
            case DType.Float32: Run(Span<float>(), tensor1.Span<float>(), tensor2.Span<float>(), (float)value, result.Span<float>()); break;
            case DType.Float64: Run(Span<double>(), tensor1.Span<double>(), tensor2.Span<double>(), value, result.Span<double>()); break;
            default: throw NotFloating(this, "addcmul");
        }
        return result;

        static void Run<T>(ReadOnlySpan<T> self, ReadOnlySpan<T> t1, ReadOnlySpan<T> t2, T value, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int i = 0; i < dst.Length; i++) dst[i] = FusedAddcmulScalar(self[i], t1[i], t2[i], value);
        }
    }

    /// <summary>One element of <see cref="FusedAddcmul"/>.</summary>
    internal static T FusedAddcmulScalar<T>(T self, T t1, T t2, T value) where T : unmanaged, IFloatingPointIeee754<T>
        => T.FusedMultiplyAdd(value * t1, t2, self);
}
