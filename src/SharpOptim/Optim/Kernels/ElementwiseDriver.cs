using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// The element math of an element-wise optimizer, written once on a generic SIMD vector
/// <typeparamref name="TVec"/> (as .NET's <c>TensorPrimitives</c> writes one operator struct per op,
/// and compiles it for each vector width): it updates one vector of
/// elements of a parameter and of up to three state buffers, in place, from the same elements of
/// the gradient. <see cref="ElementwiseDriver{T, TVec}"/> owns the loop, so no algorithm writes one, and
/// the tail of a chunk runs the same math on a padded copy, so there is no scalar second copy of it.
/// Every operation is lane-wise and IEEE-rounded, so a lane computes exactly what a scalar would.
/// An op marks its <see cref="Apply"/> <c>AggressiveInlining</c>: called per vector, it would cost a
/// call and force the driver's vectors, passed by reference, through memory.
/// </summary>
internal interface IElementOp<T, TVec>
    where T : unmanaged, IFloatingPointIeee754<T> where TVec : struct, ISimdVector<TVec, T>
{
    /// <summary>
    /// Updates <paramref name="param"/> and the state vectors. A buffer the parameter does not have
    /// (an empty span in the chunk) arrives as zeros and what is written to it is dropped.
    /// </summary>
    void Apply(ref TVec param, TVec grad, ref TVec a, ref TVec b, ref TVec c);
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
/// references (<see cref="ISimdVector{TSelf, T}.LoadUnsafe"/>) with no bounds check per vector, the op
/// applied to each full vector, and the tail (fewer elements than a vector) through a zero-padded
/// copy on the stack.
/// </summary>
/// <remarks>A class per element type and width, so that a call names those two and the op's type is inferred.</remarks>
internal static class ElementwiseDriver<T, TVec>
    where T : unmanaged, IFloatingPointIeee754<T> where TVec : struct, ISimdVector<TVec, T>
{
    public static void Run<TOp>(TOp op, in ElementChunk<T> chunk) where TOp : struct, IElementOp<T, TVec>
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
        TVec a = default, b = default, c = default;
        int i = 0;
        for (; i <= n - TVec.Count; i += TVec.Count)
        {
            nuint at = (nuint)i;
            var p = TVec.LoadUnsafe(ref pRef, at);
            if (hasA) a = TVec.LoadUnsafe(ref aRef, at);
            if (hasB) b = TVec.LoadUnsafe(ref bRef, at);
            if (hasC) c = TVec.LoadUnsafe(ref cRef, at);
            op.Apply(ref p, TVec.LoadUnsafe(ref gRef, at), ref a, ref b, ref c);
            p.StoreUnsafe(ref pRef, at);
            if (hasA) a.StoreUnsafe(ref aRef, at);
            if (hasB) b.StoreUnsafe(ref bRef, at);
            if (hasC) c.StoreUnsafe(ref cRef, at);
        }
        if (i < n) Tail(op, chunk, i);
    }

    /// <summary>Elements [start, n), fewer than a vector: copied into zeroed vectors, updated, and copied back.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tail<TOp>(TOp op, in ElementChunk<T> chunk, int start) where TOp : struct, IElementOp<T, TVec>
    {
        TVec p = Padded(chunk.Param, start), g = Padded(chunk.Grad, start);
        TVec a = Padded(chunk.A, start), b = Padded(chunk.B, start), c = Padded(chunk.C, start);
        op.Apply(ref p, g, ref a, ref b, ref c);
        Unpad(p, chunk.Param, start);
        Unpad(a, chunk.A, start);
        Unpad(b, chunk.B, start);
        Unpad(c, chunk.C, start);
    }

    private static TVec Padded(ReadOnlySpan<T> span, int start)
    {
        if (span.IsEmpty) return default;
        Span<T> lanes = stackalloc T[TVec.Count];
        lanes.Clear();
        span[start..].CopyTo(lanes);
        return TVec.Create(lanes);
    }

    private static void Unpad(TVec value, Span<T> span, int start)
    {
        if (span.IsEmpty) return;
        Span<T> lanes = stackalloc T[TVec.Count];
        value.CopyTo(lanes);
        lanes[..(span.Length - start)].CopyTo(span[start..]);
    }

    private static void CheckLengths(in ElementChunk<T> chunk, int n)
    {
        if (chunk.Grad.Length != n || !Fits(chunk.A.Length, n) || !Fits(chunk.B.Length, n) || !Fits(chunk.C.Length, n))
            throw new ArgumentException("the gradient and every state buffer must be as long as the parameter's chunk");

        static bool Fits(int length, int n) => length == 0 || length == n;
    }
}
