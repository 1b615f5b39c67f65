using System.Numerics;

namespace SharpOptim;

/// <summary>
/// Plain element loops behind the tensor operations (the reference numerics: one rounding per
/// PyTorch operation, no fused multiply-add). Output may alias the first input.
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

    /// <summary>dst = a + alpha * b (PyTorch's <c>add(other, alpha)</c>; <c>sub</c> passes -alpha, which rounds the same).</summary>
    public static void AddScaled<T>(ReadOnlySpan<T> a, BroadcastMap ma, ReadOnlySpan<T> b, BroadcastMap mb, T alpha, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (ma.Kind == BroadcastMap.MapKind.Same && mb.Kind == BroadcastMap.MapKind.Same)
        {
            for (int i = 0; i < dst.Length; i++) dst[i] = a[i] + alpha * b[i];
        }
        else
        {
            for (int i = 0; i < dst.Length; i++) dst[i] = a[ma[i]] + alpha * b[mb[i]];
        }
    }

    /// <summary>dst = a + (value * t1) * t2, PyTorch's addcmul order.</summary>
    public static void Addcmul<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> t1, BroadcastMap m1, ReadOnlySpan<T> t2, BroadcastMap m2, T value, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = a[i] + value * t1[m1[i]] * t2[m2[i]];
    }

    /// <summary>dst = a + (value * t1) / t2, PyTorch's addcdiv order.</summary>
    public static void Addcdiv<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> t1, BroadcastMap m1, ReadOnlySpan<T> t2, BroadcastMap m2, T value, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = a[i] + value * t1[m1[i]] / t2[m2[i]];
    }

    /// <summary>PyTorch's two-branch lerp: exact at both ends for any weight.</summary>
    public static T LerpScalar<T>(T start, T end, T weight) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var half = T.CreateTruncating(0.5);
        return T.Abs(weight) < half ? start + weight * (end - start) : end - (end - start) * (T.One - weight);
    }

    public static void Lerp<T>(ReadOnlySpan<T> start, ReadOnlySpan<T> end, BroadcastMap me, ReadOnlySpan<T> weight, BroadcastMap mw, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = LerpScalar(start[i], end[me[i]], weight[mw[i]]);
    }

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
