using System.Numerics;
using System.Runtime.CompilerServices;

namespace SharpOptim;

// The element functions of add(other, alpha), addcmul, addcdiv and lerp, rounded as PyTorch's CPU
// kernels round them (measured with tools/golden/rounding.py, in the vector body and the scalar
// tail alike): the multiply-add of each is one fused multiply-add.

/// <summary><c>a + alpha·b</c> rounded once (ATen's <c>fmadd(b, alpha, a)</c>); sub passes −alpha, which rounds the same.</summary>
internal readonly struct AddScaledOp<T>(T alpha) : IPointwise2<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _alpha = alpha;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply(T a, T b) => T.FusedMultiplyAdd(b, _alpha, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<T> Apply(Vector<T> a, Vector<T> b) => VectorFma.MulAdd(b, new Vector<T>(_alpha), a);
}

/// <summary><c>self + value·t1·t2</c>: <c>value·t1</c> rounded, then one fused multiply-add.</summary>
internal readonly struct AddcmulOp<T>(T value) : IPointwise3<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _value = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply(T self, T t1, T t2) => T.FusedMultiplyAdd(_value * t1, t2, self);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<T> Apply(Vector<T> self, Vector<T> t1, Vector<T> t2) => VectorFma.MulAdd(new Vector<T>(_value) * t1, t2, self);
}

/// <summary><c>self + value·t1 / t2</c>, each operation rounded (a quotient does not fuse).</summary>
internal readonly struct AddcdivOp<T>(T value) : IPointwise3<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _value = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply(T self, T t1, T t2) => self + _value * t1 / t2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<T> Apply(Vector<T> self, Vector<T> t1, Vector<T> t2) => self + new Vector<T>(_value) * t1 / t2;
}

/// <summary>
/// PyTorch's two-branch lerp, exact at both ends: with <c>diff = end − start</c>,
/// <c>fma(weight, diff, start)</c> when |weight| &lt; 0.5, else <c>fma(weight − 1, diff, end)</c>.
/// </summary>
internal readonly struct LerpOp<T> : IPointwise3<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply(T start, T end, T weight) => Lerp(start, end, weight);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<T> Apply(Vector<T> start, Vector<T> end, Vector<T> weight)
    {
        var small = Vector.LessThan(Vector.Abs(weight), new Vector<T>(T.CreateTruncating(0.5)));
        var coefficient = Vector.ConditionalSelect(small, weight, weight - Vector<T>.One);
        var basePoint = Vector.ConditionalSelect(small, start, end);
        return VectorFma.MulAdd(coefficient, end - start, basePoint);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Lerp(T start, T end, T weight)
    {
        T diff = end - start;
        return T.Abs(weight) < T.CreateTruncating(0.5) ? T.FusedMultiplyAdd(weight, diff, start) : T.FusedMultiplyAdd(weight - T.One, diff, end);
    }
}
