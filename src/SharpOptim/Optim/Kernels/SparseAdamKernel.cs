using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// SparseAdam's per-parameter scalars for one step: <c>1 − β₁</c>, <c>1 − β₂</c>, ε, and the
/// negated step size <c>−lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)</c> (computed before the dispatch, as PyTorch
/// computes it, since it depends on the parameter's own step count).
/// </summary>
internal readonly record struct SparseAdamHyper(double OneMinusBeta1, double OneMinusBeta2, double Eps, double NegStepSize, bool Maximize);

/// <summary>
/// SparseAdam over the rows a coalesced sparse gradient touches: each touched element of the
/// parameter and both moments is read and written once; untouched rows are not visited. Entry
/// <c>j</c> of the gradient holds <c>inner</c> values for flat row <c>rows[j]</c>, so each entry is
/// a contiguous run in all four arrays and is processed with <see cref="Vector{T}"/>. The
/// operations are PyTorch's <c>_functional.sparse_adam</c>, in its order:
/// <code>
/// m' = m + (g − m)(1 − β₁)      v' = v + (g² − v)(1 − β₂)      p' = p + (m' / (√v' + ε))·(−step_size)
/// </code>
/// each "x + y·z" a <c>TMath.MulAdd</c>: two roundings in <see cref="ExactMath"/> (bit-identical to
/// the reference path), one in <see cref="FusedMath"/>.
/// </summary>
internal static class SparseAdamKernel
{
    /// <summary>Updates the gradient values <c>[start, start + length)</c> (which may begin and end inside an entry).</summary>
    public static void Step<T, TMath>(Span<T> param, Span<T> expAvg, Span<T> expAvgSq, ReadOnlySpan<int> rows, ReadOnlySpan<T> values,
                                      int inner, int start, int length, in SparseAdamHyper h)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        var s = new Scalars<T>(h);
        int end = start + length;
        for (int v = start; v < end;)
        {
            int entry = v / inner, column = v % inner;
            int run = Math.Min(inner - column, end - v);
            int e = rows[entry] * inner + column;
            Run<T, TMath>(param.Slice(e, run), expAvg.Slice(e, run), expAvgSq.Slice(e, run), values.Slice(v, run), s, h.Maximize);
            v += run;
        }
    }

    /// <summary>The scalars cast to the element type first, as PyTorch's CPU kernels cast them.</summary>
    private readonly struct Scalars<T>(SparseAdamHyper h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public readonly T OneMinusBeta1 = T.CreateTruncating(h.OneMinusBeta1);
        public readonly T OneMinusBeta2 = T.CreateTruncating(h.OneMinusBeta2);
        public readonly T Eps = T.CreateTruncating(h.Eps);
        public readonly T NegStepSize = T.CreateTruncating(h.NegStepSize);
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
                var mNew = TMath.MulAdd(g - mOld, b1, mOld);
                var vNew = TMath.MulAdd(g * g - vOld, b2, vOld);
                mNew.CopyTo(m[i..]);
                vNew.CopyTo(v[i..]);
                TMath.MulAdd(mNew / (Vector.SquareRoot(vNew) + eps), step, new Vector<T>(param[i..])).CopyTo(param[i..]);
            }
        }
        for (; i < param.Length; i++)
        {
            T g = maximize ? -grad[i] : grad[i];
            T mNew = TMath.MulAdd(g - m[i], s.OneMinusBeta1, m[i]);
            T vNew = TMath.MulAdd(g * g - v[i], s.OneMinusBeta2, v[i]);
            m[i] = mNew;
            v[i] = vNew;
            param[i] = TMath.MulAdd(mNew / (T.Sqrt(vNew) + s.Eps), s.NegStepSize, param[i]);
        }
    }
}
