using System.Numerics;
using System.Runtime.CompilerServices;

namespace SharpOptim;

/// <summary>An element function of two operands, for one element or one <see cref="Vector{T}"/> of them, rounding alike.</summary>
internal interface IPointwise2<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    T Apply(T a, T b);

    Vector<T> Apply(Vector<T> a, Vector<T> b);
}

/// <summary>An element function of three operands, for one element or one <see cref="Vector{T}"/> of them, rounding alike.</summary>
internal interface IPointwise3<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    T Apply(T a, T b, T c);

    Vector<T> Apply(Vector<T> a, Vector<T> b, Vector<T> c);
}

/// <summary>
/// Applies an element function over broadcast operands: in <see cref="Vector{T}"/> steps where
/// every operand has the output's shape or is a single element, element by element otherwise and
/// for the tail. The function rounds the same either way, so where the vectors stop does not show
/// in the result. The output may alias an operand of the output's shape.
/// </summary>
internal static class PointwiseMaps
{
    public static void Map<T, TOp>(in TOp op, ReadOnlySpan<T> a, BroadcastMap ma, ReadOnlySpan<T> b, BroadcastMap mb, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IPointwise2<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Flat(ma) && Flat(mb))
        {
            bool sameA = ma.Kind == BroadcastMap.MapKind.Same, sameB = mb.Kind == BroadcastMap.MapKind.Same;
            var (va, vb) = (Splat(a, sameA), Splat(b, sameB));
            for (; i <= dst.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                if (sameA) va = new Vector<T>(a[i..]);
                if (sameB) vb = new Vector<T>(b[i..]);
                op.Apply(va, vb).CopyTo(dst[i..]);
            }
        }
        for (; i < dst.Length; i++) dst[i] = op.Apply(a[ma[i]], b[mb[i]]);
    }

    public static void Map<T, TOp>(in TOp op, ReadOnlySpan<T> a, BroadcastMap ma, ReadOnlySpan<T> b, BroadcastMap mb,
                                   ReadOnlySpan<T> c, BroadcastMap mc, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IPointwise3<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Flat(ma) && Flat(mb) && Flat(mc))
        {
            bool sameA = ma.Kind == BroadcastMap.MapKind.Same, sameB = mb.Kind == BroadcastMap.MapKind.Same, sameC = mc.Kind == BroadcastMap.MapKind.Same;
            var (va, vb, vc) = (Splat(a, sameA), Splat(b, sameB), Splat(c, sameC));
            for (; i <= dst.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                if (sameA) va = new Vector<T>(a[i..]);
                if (sameB) vb = new Vector<T>(b[i..]);
                if (sameC) vc = new Vector<T>(c[i..]);
                op.Apply(va, vb, vc).CopyTo(dst[i..]);
            }
        }
        for (; i < dst.Length; i++) dst[i] = op.Apply(a[ma[i]], b[mb[i]], c[mc[i]]);
    }

    /// <summary>True where an operand is read the same way in every lane of a step: its own element, or its only one.</summary>
    private static bool Flat(BroadcastMap m) => m.Kind is BroadcastMap.MapKind.Same or BroadcastMap.MapKind.Scalar;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Splat<T>(ReadOnlySpan<T> x, bool same) where T : unmanaged, IFloatingPointIeee754<T>
        => same || x.IsEmpty ? default : new Vector<T>(x[0]);
}
