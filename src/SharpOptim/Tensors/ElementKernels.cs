using System.Numerics;
using System.Runtime.CompilerServices;

namespace SharpOptim;

/// <summary>
/// The element loops behind the tensor operations (the reference numerics): each PyTorch operation
/// rounds as PyTorch's CPU kernel rounds it, once per operation; add with alpha, addcmul and lerp
/// are one fused multiply-add (MultiplyAddOps.cs). Output may alias the first input.
/// </summary>
internal static class ElementKernels
{
    public static void Unary<T, TOp>(ReadOnlySpan<T> x, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IUnaryOp
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = TOp.Apply(x[i]);
    }

    public static void Binary<T, TOp>(ReadOnlySpan<T> a, BroadcastMap ma, ReadOnlySpan<T> b, BroadcastMap mb, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IBinaryOp
    {
        if (ma.Kind == BroadcastMap.MapKind.Same && mb.Kind == BroadcastMap.MapKind.Same)
        {
            for (int i = 0; i < dst.Length; i++) dst[i] = TOp.Apply(a[i], b[i]);
        }
        else if (ma.Kind == BroadcastMap.MapKind.Same && mb.Kind == BroadcastMap.MapKind.Scalar)
        {
            T s = b[0];
            for (int i = 0; i < dst.Length; i++) dst[i] = TOp.Apply(a[i], s);
        }
        else if (ma.Kind == BroadcastMap.MapKind.Same && mb.Kind == BroadcastMap.MapKind.Suffix)
        {
            int p = mb.Period;
            for (int i = 0; i < dst.Length; i += p)
                for (int j = 0; j < p; j++) dst[i + j] = TOp.Apply(a[i + j], b[j]);
        }
        else
        {
            for (int i = 0; i < dst.Length; i++) dst[i] = TOp.Apply(a[ma[i]], b[mb[i]]);
        }
    }

    public static void BinaryScalar<T, TOp>(ReadOnlySpan<T> a, T s, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IBinaryOp
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = TOp.Apply(a[i], s);
    }

    public static void ScalarBinary<T, TOp>(T s, ReadOnlySpan<T> b, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IBinaryOp
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = TOp.Apply(s, b[i]);
    }

    /// <summary>dst = a + alpha * b, rounded once (<see cref="AddScaledOp{T}"/>), but for the tail of a single-element b (<see cref="AddScaledScalar"/>).</summary>
    public static void AddScaled<T>(ReadOnlySpan<T> a, BroadcastMap ma, ReadOnlySpan<T> b, BroadcastMap mb, T alpha, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (ma.Kind == BroadcastMap.MapKind.Same && mb.Kind == BroadcastMap.MapKind.Scalar) AddScaledScalar(a, b[0], alpha, dst);
        else PointwiseMaps.Map(new AddScaledOp<T>(alpha), a, ma, b, mb, dst);
    }

    /// <summary>
    /// dst = a + alpha * b for one b, as PyTorch's compiled kernel rounds it (measured with
    /// tools/golden/rounding.py): its vector loop takes 64 bytes a step, each element rounded once;
    /// the elements left over go through a compiled scalar loop that rounds the first once, then, in
    /// 16-byte groups while a whole group is left, adds alpha·b computed once (rounding the product
    /// and the sum apart), then rounds the rest once.
    /// </summary>
    private static void AddScaledScalar<T>(ReadOnlySpan<T> a, T b, T alpha, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var op = new AddScaledOp<T>(alpha);
        int n = dst.Length, body = n - n % (64 / Unsafe.SizeOf<T>());
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vb = new Vector<T>(b);
            for (; i <= body - Vector<T>.Count; i += Vector<T>.Count) op.Apply(new Vector<T>(a[i..]), vb).CopyTo(dst[i..]);
        }
        for (; i < body; i++) dst[i] = op.Apply(a[i], b);
        if (body == n) return;
        dst[body] = op.Apply(a[body], b);
        int group = 16 / Unsafe.SizeOf<T>();
        int grouped = body + 1 + (n - body - 1) / group * group;
        T product = alpha * b;
        for (i = body + 1; i < grouped; i++) dst[i] = a[i] + product;
        for (; i < n; i++) dst[i] = op.Apply(a[i], b);
    }

    /// <summary>dst = a + value * t1 * t2 (<see cref="AddcmulOp{T}"/>); a has dst's shape.</summary>
    public static void Addcmul<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> t1, BroadcastMap m1, ReadOnlySpan<T> t2, BroadcastMap m2, T value, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
        => PointwiseMaps.Map(new AddcmulOp<T>(value), a, SameShape, t1, m1, t2, m2, dst);

    /// <summary>dst = a + value * t1 / t2 (<see cref="AddcdivOp{T}"/>); a has dst's shape.</summary>
    public static void Addcdiv<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> t1, BroadcastMap m1, ReadOnlySpan<T> t2, BroadcastMap m2, T value, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
        => PointwiseMaps.Map(new AddcdivOp<T>(value), a, SameShape, t1, m1, t2, m2, dst);

    /// <summary>dst = start.lerp(end, weight) (<see cref="LerpOp{T}"/>); start has dst's shape.</summary>
    public static void Lerp<T>(ReadOnlySpan<T> start, ReadOnlySpan<T> end, BroadcastMap me, ReadOnlySpan<T> weight, BroadcastMap mw, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
        => PointwiseMaps.Map(new LerpOp<T>(), start, SameShape, end, me, weight, mw, dst);

    private static readonly BroadcastMap SameShape = BroadcastMap.Create([], []);

    public static void Clamp<T>(ReadOnlySpan<T> x, T? min, T? max, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < dst.Length; i++)
        {
            T v = x[i];
            if (!T.IsNaN(v))
            {
                if (min is T lo && v < lo) v = lo;
                if (max is T hi && v > hi) v = hi;
            }
            dst[i] = v;
        }
    }

    public static void Compare<T>(ReadOnlySpan<T> a, BroadcastMap ma, ReadOnlySpan<T> b, BroadcastMap mb, CompareKind kind, Span<bool> dst)
        where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < dst.Length; i++)
        {
            T x = a[ma[i]], y = b[mb[i]];
            dst[i] = kind switch
            {
                CompareKind.Gt => x > y,
                CompareKind.Lt => x < y,
                CompareKind.Ge => x >= y,
                CompareKind.Le => x <= y,
                CompareKind.Eq => x == y,
                _ => x != y,
            };
        }
    }

    public static void Where<T>(ReadOnlySpan<bool> cond, BroadcastMap mc, ReadOnlySpan<T> a, BroadcastMap ma, ReadOnlySpan<T> b, BroadcastMap mb, Span<T> dst)
        where T : unmanaged
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = cond[mc[i]] ? a[ma[i]] : b[mb[i]];
    }

    /// <summary>Adds each element of <paramref name="src"/> into the <paramref name="dst"/> element the map names (a broadcast's adjoint).</summary>
    public static void ReduceInto<T>(ReadOnlySpan<T> src, BroadcastMap map, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < src.Length; i++) dst[map[i]] += src[i];
    }
}
