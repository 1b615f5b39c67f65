using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// SparseAdam's group-wide scalars for one step: <c>1 − β₁</c>, <c>1 − β₂</c>, ε (the step size
/// depends on each parameter's own step count and is passed beside them).
/// </summary>
internal readonly record struct SparseAdamHyper(double OneMinusBeta1, double OneMinusBeta2, double Eps, bool Maximize);

/// <summary>
/// SparseAdam over the rows a sparse gradient touches: each touched element of the parameter and
/// both moments is read and written once; untouched rows are not visited. The gradient's entries
/// are indexed by <see cref="IndexRows"/>: a key per entry (its flat row, then its position), sorted
/// by row unless the gradient is coalesced, and where each touched row's run of entries starts.
/// A row held by one entry is read in place; the entries of a repeated row are summed first, in
/// entry order from zero, exactly as <see cref="Tensor.Coalesce"/> sums them. Each row is a
/// contiguous run in all four arrays and is processed with <see cref="Vector{T}"/>. The operations
/// are PyTorch's <c>_functional.sparse_adam</c>, in its order:
/// <code>
/// m' = m + (g − m)(1 − β₁)      v' = v + (g² − v)(1 − β₂)      p' = p + (m' / (√v' + ε))·(−step_size)
/// </code>
/// each "x + y·z" a <c>TMath.MulThenAdd</c> (the reference multiplies, then adds a sparse tensor): two roundings in <see cref="ExactMath"/> (bit-identical to
/// the reference path), one in <see cref="FusedMath"/>.
/// </summary>
internal static class SparseRowUpdate
{
    /// <summary>Elements of a repeated row summed at a time (on the stack).</summary>
    private const int MergeBlock = 256;

    /// <summary>
    /// Indexes the entries of sparse <paramref name="grad"/> by row: <paramref name="keys"/> (one
    /// per entry) gets <c>row &lt;&lt; 32 | entry</c>, sorted; <paramref name="rowStarts"/> (one
    /// more than the entries) gets the first key of each touched row, then the number of entries.
    /// Returns the number of touched rows.
    /// </summary>
    public static int IndexRows(Tensor grad, Span<long> keys, Span<int> rowStarts)
    {
        var indices = grad.Indices();
        int sparseDim = indices.ShapeRef[0], entries = indices.ShapeRef[1];
        var index = indices.AsSpan<long>();
        var shape = grad.ShapeRef;
        for (int j = 0; j < entries; j++)
        {
            long row = 0;
            for (int d = 0; d < sparseDim; d++) row = row * shape[d] + index[d * entries + j];
            keys[j] = row << 32 | (uint)j;
        }
        // A coalesced gradient's entries are already sorted by row, one per row.
        if (!grad.IsCoalesced) keys.Sort();
        int touched = 0;
        for (int j = 0; j < entries; j++)
            if (j == 0 || keys[j] >> 32 != keys[j - 1] >> 32) rowStarts[touched++] = j;
        rowStarts[touched] = entries;
        return touched;
    }

    /// <summary>
    /// Updates the touched elements <c>[start, start + length)</c> (touched row r holding elements
    /// [r·inner, (r + 1)·inner)), which may begin and end inside a row.
    /// </summary>
    public static void Step<T, TMath>(Span<T> param, Span<T> expAvg, Span<T> expAvgSq, ReadOnlySpan<long> keys, ReadOnlySpan<int> rowStarts,
                                      ReadOnlySpan<T> values, int inner, int start, int length, double negStepSize, in SparseAdamHyper h)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        var s = new Scalars<T>(h, negStepSize);
        Span<T> merged = stackalloc T[MergeBlock];
        int end = start + length;
        for (int v = start; v < end;)
        {
            int touched = v / inner, column = v % inner;
            int run = Math.Min(inner - column, end - v);
            int first = rowStarts[touched], count = rowStarts[touched + 1] - first;
            int e = (int)(keys[first] >> 32) * inner + column;
            scoped ReadOnlySpan<T> g;
            if (count == 1) g = values.Slice(Entry(keys[first]) * inner + column, run);
            else
            {
                run = Math.Min(run, MergeBlock);
                var sum = merged[..run];
                sum.Clear();
                for (int k = first; k < first + count; k++) Accumulate(sum, values.Slice(Entry(keys[k]) * inner + column, run));
                g = sum;
            }
            Run<T, TMath>(param.Slice(e, run), expAvg.Slice(e, run), expAvgSq.Slice(e, run), g, s, h.Maximize);
            v += run;
        }
    }

    private static int Entry(long key) => (int)(uint)key;

    /// <summary><c>sum += x</c> element-wise (one rounding per element, as a scalar add).</summary>
    private static void Accumulate<T>(Span<T> sum, ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= sum.Length - Vector<T>.Count; i += Vector<T>.Count)
                (new Vector<T>(sum[i..]) + new Vector<T>(x[i..])).CopyTo(sum[i..]);
        for (; i < sum.Length; i++) sum[i] += x[i];
    }

    /// <summary>The scalars cast to the element type first, as PyTorch's CPU kernels cast them.</summary>
    private readonly struct Scalars<T>(SparseAdamHyper h, double negStepSize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public readonly T OneMinusBeta1 = T.CreateTruncating(h.OneMinusBeta1);
        public readonly T OneMinusBeta2 = T.CreateTruncating(h.OneMinusBeta2);
        public readonly T Eps = T.CreateTruncating(h.Eps);
        public readonly T NegStepSize = T.CreateTruncating(negStepSize);
    }

    private static void Run<T, TMath>(Span<T> param, Span<T> m, Span<T> v, ReadOnlySpan<T> grad, in Scalars<T> s, bool maximize)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && param.Length >= Vector<T>.Count)
        {
            var b1 = new Vector<T>(s.OneMinusBeta1);
            var b2 = new Vector<T>(s.OneMinusBeta2);
            var eps = new Vector<T>(s.Eps);
            var step = new Vector<T>(s.NegStepSize);
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = new Vector<T>(grad[i..]);
                if (maximize) g = -g;
                var mOld = new Vector<T>(m[i..]);
                var vOld = new Vector<T>(v[i..]);
                var mNew = TMath.MulThenAdd(g - mOld, b1, mOld);
                var vNew = TMath.MulThenAdd(g * g - vOld, b2, vOld);
                mNew.CopyTo(m[i..]);
                vNew.CopyTo(v[i..]);
                TMath.MulThenAdd(mNew / (Vector.SquareRoot(vNew) + eps), step, new Vector<T>(param[i..])).CopyTo(param[i..]);
            }
        }
        for (; i < param.Length; i++)
        {
            T g = maximize ? -grad[i] : grad[i];
            T mNew = TMath.MulThenAdd(g - m[i], s.OneMinusBeta1, m[i]);
            T vNew = TMath.MulThenAdd(g * g - v[i], s.OneMinusBeta2, v[i]);
            m[i] = mNew;
            v[i] = vNew;
            param[i] = TMath.MulThenAdd(mNew / (T.Sqrt(vNew) + s.Eps), s.NegStepSize, param[i]);
        }
    }
}
