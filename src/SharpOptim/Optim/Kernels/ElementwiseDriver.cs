using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// The element math of an element-wise optimizer, written once on <see cref="Vector{T}"/>
/// (as .NET's <c>TensorPrimitives</c> writes one operator struct per op): it updates one vector of
/// elements of a parameter and of up to three state buffers, in place, from the same elements of
/// the gradient. <see cref="ElementwiseDriver"/> owns the loop, so no algorithm writes one, and
/// the tail of a chunk runs the same math on a padded copy, so there is no scalar second copy of it.
/// Every operation is lane-wise and IEEE-rounded, so a lane computes exactly what a scalar would.
/// An op marks its <see cref="Apply"/> <c>AggressiveInlining</c>: called per vector, it would cost a
/// call and force the driver's vectors, passed by reference, through memory.
/// </summary>
internal interface IElementOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Updates <paramref name="param"/> and the state vectors. A buffer the parameter does not have
    /// (an empty span in the chunk) arrives as zeros and what is written to it is dropped.
    /// </summary>
    void Apply(ref Vector<T> param, Vector<T> grad, ref Vector<T> a, ref Vector<T> b, ref Vector<T> c);
}

/// <summary>
/// One chunk of one parameter as a kernel sees it: its elements, its gradient's, and those of up
/// to three state buffers in the order the algorithm's op takes them (empty when absent).
/// </summary>
internal readonly ref struct ElementChunk<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> a = default, Span<T> b = default, Span<T> c = default)
    where T : unmanaged
{
    public Span<T> Param { get; } = param;
    public ReadOnlySpan<T> Grad { get; } = grad;
    public Span<T> A { get; } = a;
    public Span<T> B { get; } = b;
    public Span<T> C { get; } = c;
}

/// <summary>
/// The one loop of every element-wise kernel: lengths checked once, then loads and stores through
/// references (<see cref="Vector.LoadUnsafe{T}(ref readonly T, nuint)"/>) with no bounds check per
/// vector, the op applied to each full vector, and the tail (fewer elements than a vector) through
/// a zero-padded copy on the stack.
/// </summary>
internal static class ElementwiseDriver
{
    public static void Run<T, TOp>(TOp op, in ElementChunk<T> chunk)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IElementOp<T>
    {
        int n = chunk.Param.Length;
        CheckLengths(chunk, n);
        // Which buffers exist, in locals: read through the chunk they would be reloaded after every store.
        bool hasA = !chunk.A.IsEmpty, hasB = !chunk.B.IsEmpty, hasC = !chunk.C.IsEmpty;
        ref T pRef = ref MemoryMarshal.GetReference(chunk.Param);
        ref T gRef = ref MemoryMarshal.GetReference(chunk.Grad);
        ref T aRef = ref MemoryMarshal.GetReference(chunk.A);
        ref T bRef = ref MemoryMarshal.GetReference(chunk.B);
        ref T cRef = ref MemoryMarshal.GetReference(chunk.C);
        Vector<T> a = default, b = default, c = default;
        int i = 0;
        for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
        {
            nuint at = (nuint)i;
            var p = Vector.LoadUnsafe(ref pRef, at);
            if (hasA) a = Vector.LoadUnsafe(ref aRef, at);
            if (hasB) b = Vector.LoadUnsafe(ref bRef, at);
            if (hasC) c = Vector.LoadUnsafe(ref cRef, at);
            op.Apply(ref p, Vector.LoadUnsafe(ref gRef, at), ref a, ref b, ref c);
            p.StoreUnsafe(ref pRef, at);
            if (hasA) a.StoreUnsafe(ref aRef, at);
            if (hasB) b.StoreUnsafe(ref bRef, at);
            if (hasC) c.StoreUnsafe(ref cRef, at);
        }
        if (i < n) Tail(op, chunk, i);
    }

    /// <summary>Elements [start, n), fewer than a vector: copied into zeroed vectors, updated, and copied back.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tail<T, TOp>(TOp op, in ElementChunk<T> chunk, int start)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IElementOp<T>
    {
        Vector<T> p = Padded(chunk.Param, start), g = Padded(chunk.Grad, start);
        Vector<T> a = Padded(chunk.A, start), b = Padded(chunk.B, start), c = Padded(chunk.C, start);
        op.Apply(ref p, g, ref a, ref b, ref c);
        Unpad(p, chunk.Param, start);
        Unpad(a, chunk.A, start);
        Unpad(b, chunk.B, start);
        Unpad(c, chunk.C, start);
    }

    private static Vector<T> Padded<T>(ReadOnlySpan<T> span, int start) where T : unmanaged
    {
        if (span.IsEmpty) return default;
        Span<T> lanes = stackalloc T[Vector<T>.Count];
        lanes.Clear();
        span[start..].CopyTo(lanes);
        return new Vector<T>(lanes);
    }

    private static void Unpad<T>(Vector<T> value, Span<T> span, int start) where T : unmanaged
    {
        if (span.IsEmpty) return;
        Span<T> lanes = stackalloc T[Vector<T>.Count];
        value.CopyTo(lanes);
        lanes[..(span.Length - start)].CopyTo(span[start..]);
    }

    private static void CheckLengths<T>(in ElementChunk<T> chunk, int n) where T : unmanaged
    {
        if (chunk.Grad.Length != n || !Fits(chunk.A.Length, n) || !Fits(chunk.B.Length, n) || !Fits(chunk.C.Length, n))
            throw new ArgumentException("the gradient and every state buffer must be as long as the parameter's chunk");

        static bool Fits(int length, int n) => length == 0 || length == n;
    }
}
