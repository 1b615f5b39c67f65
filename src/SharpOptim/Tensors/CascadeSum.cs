using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SharpOptim;

/// <summary>
/// Sums in the order PyTorch's CPU <c>sum</c> adds (ATen's <c>cascade_sum</c>, SumKernel.cpp), so
/// that every sum, and every mean built on one, rounds as PyTorch's. The accumulator is the
/// element type (float32 sums in float32). A contiguous run of at least one vector is summed in
/// <see cref="TorchVector"/> lanes, four vectors side by side, each lane through a cascade of
/// partial sums (blocks of at least 16 summands are carried into the next of four levels, so
/// mostly sums of similar magnitude meet); then the elements after the last whole vector are
/// added in order, then the lanes one by one. A shorter run goes through the same cascade four
/// scalars side by side. A column sum (over a dim that is not the last) runs the cascade down each
/// column. With one intra-op thread: above 32768 elements PyTorch on several threads first splits
/// a sum into one partial sum per thread, which is not reproduced.
/// </summary>
internal static class CascadeSum
{
    /// <summary>Σ x, as PyTorch's <c>x.sum()</c> of a contiguous tensor computes it.</summary>
    public static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        => T.Zero + ContiguousSum(ref MemoryMarshal.GetReference(x), x.Length);   // PyTorch's output starts at 0 and accumulates

    /// <summary>The sum of each row of a row-major rows × cols matrix (a sum over the last dim).</summary>
    public static void RowSums<T>(ReadOnlySpan<T> x, int rows, int cols, Span<T> sums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length < rows * cols || sums.Length < rows) throw new ArgumentException("row-sum operands are smaller than their shapes");
        for (int r = 0; r < rows; r++) sums[r] = Sum(x.Slice(r * cols, cols));
    }

    /// <summary>
    /// The sum down each column of a row-major rows × cols matrix (a sum over dim 0, or over a
    /// middle dim for one index of the dims before it), as PyTorch's outer reduction orders it:
    /// columns in blocks of four (four vectors of columns when there is at least one vector) run
    /// the cascade row by row; each column left over runs it four rows side by side.
    /// </summary>
    public static void ColumnSums<T>(ReadOnlySpan<T> x, int rows, int cols, Span<T> sums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length < rows * cols || sums.Length < cols) throw new ArgumentException("column-sum operands are smaller than their shapes");
        ref T data = ref MemoryMarshal.GetReference(x);
        int w = TorchVector.Count<T>();
        int j = 0;
        if (cols >= w)
            for (; j + 4 * w <= cols; j += 4 * w)
            {
                var s = Cascade<Vector256<T>, TorchVector.Lanes<T>, T>.MultiRowSum(ref Unsafe.Add(ref data, j), cols, w, rows);
                (Vector256<T>.Zero + s.S0).CopyTo(sums[j..]);   // PyTorch's output starts at 0 and accumulates
                (Vector256<T>.Zero + s.S1).CopyTo(sums[(j + w)..]);
                (Vector256<T>.Zero + s.S2).CopyTo(sums[(j + 2 * w)..]);
                (Vector256<T>.Zero + s.S3).CopyTo(sums[(j + 3 * w)..]);
            }
        else
            for (; j + 4 <= cols; j += 4)
            {
                var s = Cascade<T, ScalarLanes<T>, T>.MultiRowSum(ref Unsafe.Add(ref data, j), cols, 1, rows);
                (sums[j], sums[j + 1], sums[j + 2], sums[j + 3]) = (T.Zero + s.S0, T.Zero + s.S1, T.Zero + s.S2, T.Zero + s.S3);
            }
        for (; j < cols; j++) sums[j] = T.Zero + Cascade<T, ScalarLanes<T>, T>.RowSum(ref Unsafe.Add(ref data, j), cols, rows);
    }

    /// <summary>ATen's <c>vectorized_inner_sum</c> of one run (its scalar <c>row_sum</c> below one vector).</summary>
    private static T ContiguousSum<T>(ref T data, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = TorchVector.Count<T>();
        if (n < w) return Cascade<T, ScalarLanes<T>, T>.RowSum(ref data, 1, n);
        int vectors = n / w;
        var lanes = Cascade<Vector256<T>, TorchVector.Lanes<T>, T>.RowSum(ref data, w, vectors);
        T total = T.Zero;
        for (int k = vectors * w; k < n; k++) total += Unsafe.Add(ref data, k);
        return TorchVector.AddEachLaneTo(lanes, total);
    }

    /// <summary>Four accumulators: four rows side by side.</summary>
    private struct Quad<TAcc> where TAcc : unmanaged
    {
        public TAcc S0, S1, S2, S3;
    }

    /// <summary>The cascade over accumulators <typeparamref name="TAcc"/> (scalars or vectors) of elements <typeparamref name="T"/>.</summary>
    private static class Cascade<TAcc, TOps, T> where TAcc : unmanaged where TOps : ILanes<TAcc, T> where T : unmanaged
    {
        /// <summary>
        /// ATen's <c>row_sum</c>: <paramref name="size"/> summands <paramref name="stride"/>
        /// elements apart, taken as rows of four through <see cref="MultiRowSum"/>, the leftovers
        /// added to the first of the four, then the four folded left to right.
        /// </summary>
        public static TAcc RowSum(ref T data, nint stride, nint size)
        {
            nint rows = size / 4;
            var s = MultiRowSum(ref data, 4 * stride, stride, rows);
            for (nint i = rows * 4; i < size; i++) s.S0 = TOps.Add(s.S0, TOps.Load(ref data, i * stride));
            return TOps.Add(TOps.Add(TOps.Add(s.S0, s.S1), s.S2), s.S3);
        }

        /// <summary>
        /// ATen's <c>multi_row_sum</c> with four columns: <paramref name="size"/> rows
        /// <paramref name="rowStride"/> apart, columns <paramref name="colStride"/> apart, each column
        /// summed through four levels: every 2^p rows (p = max(4, ⌈log2 size⌉ / 4)) level 0 is
        /// carried into level 1, and a level into the next whenever the row count is a multiple of
        /// its block; the rows after the last whole block go to level 0, then the levels are folded.
        /// </summary>
        public static Quad<TAcc> MultiRowSum(ref T data, nint rowStride, nint colStride, nint size)
        {
            int levelPower = Math.Max(4, CeilLog2(size) / 4);
            nint levelStep = (nint)1 << levelPower, levelMask = levelStep - 1;
            var zero = TOps.Zero;
            Quad<TAcc> l0 = new() { S0 = zero, S1 = zero, S2 = zero, S3 = zero }, l1 = l0, l2 = l0, l3 = l0;
            nint i = 0;
            while (i + levelStep <= size)
            {
                for (nint end = i + levelStep; i < end; i++) AddRow(ref l0, ref data, i * rowStride, colStride);
                Carry(ref l1, ref l0);
                if ((i & (levelMask << levelPower)) != 0) continue;
                Carry(ref l2, ref l1);
                if ((i & (levelMask << (2 * levelPower))) != 0) continue;
                Carry(ref l3, ref l2);
            }
            for (; i < size; i++) AddRow(ref l0, ref data, i * rowStride, colStride);
            l0.S0 = TOps.Add(TOps.Add(TOps.Add(l0.S0, l1.S0), l2.S0), l3.S0);
            l0.S1 = TOps.Add(TOps.Add(TOps.Add(l0.S1, l1.S1), l2.S1), l3.S1);
            l0.S2 = TOps.Add(TOps.Add(TOps.Add(l0.S2, l1.S2), l2.S2), l3.S2);
            l0.S3 = TOps.Add(TOps.Add(TOps.Add(l0.S3, l1.S3), l2.S3), l3.S3);
            return l0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddRow(ref Quad<TAcc> acc, ref T data, nint at, nint colStride)
        {
            acc.S0 = TOps.Add(acc.S0, TOps.Load(ref data, at));
            acc.S1 = TOps.Add(acc.S1, TOps.Load(ref data, at + colStride));
            acc.S2 = TOps.Add(acc.S2, TOps.Load(ref data, at + 2 * colStride));
            acc.S3 = TOps.Add(acc.S3, TOps.Load(ref data, at + 3 * colStride));
        }

        /// <summary>Adds a level into the next one up and empties it.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Carry(ref Quad<TAcc> up, ref Quad<TAcc> from)
        {
            up.S0 = TOps.Add(up.S0, from.S0);
            up.S1 = TOps.Add(up.S1, from.S1);
            up.S2 = TOps.Add(up.S2, from.S2);
            up.S3 = TOps.Add(up.S3, from.S3);
            var zero = TOps.Zero;
            from = new() { S0 = zero, S1 = zero, S2 = zero, S3 = zero };
        }
    }

    /// <summary>⌈log2 x⌉ as ATen's <c>CeilLog2</c> takes it: 1 for x ≤ 2.</summary>
    private static int CeilLog2(nint x) => x <= 2 ? 1 : 64 - BitOperations.LeadingZeroCount((ulong)(x - 1));
}

/// <summary>What a cascade adds: scalars, or vectors of lanes.</summary>
internal interface ILanes<TAcc, T> where TAcc : unmanaged where T : unmanaged
{
    static abstract TAcc Zero { get; }

    static abstract TAcc Add(TAcc a, TAcc b);

    /// <summary>The summand starting <paramref name="offset"/> elements after <paramref name="data"/>.</summary>
    static abstract TAcc Load(ref T data, nint offset);
}

/// <summary>Scalar summands.</summary>
internal readonly struct ScalarLanes<T> : ILanes<T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Zero => T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Add(T a, T b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load(ref T data, nint offset) => Unsafe.Add(ref data, offset);
}
