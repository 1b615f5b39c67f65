using System.Numerics;
using System.Runtime.CompilerServices;

namespace SharpOptim;

/// <summary>
/// Log-softmax over the last dimension of an n×m matrix and its backward, and ReLU with its
/// backward: typed (and where it pays, vectorised) loops with the same arithmetic as the general
/// per-element code they stand in for, so the same bits: for log-softmax the row's maximum and
/// its sum of exponentials in double, each output rounded once.
/// </summary>
internal static class ActivationKernels
{
    /// <summary><c>y[i, j] = x[i, j] - (log Σ_j exp(x[i, j] - max_i) + max_i)</c>, in double, rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LogSoftmaxRows<T>(ReadOnlySpan<T> x, Span<T> y, int n, int m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < n; i++)
        {
            var row = x.Slice(i * m, m);
            double max = double.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, double.CreateTruncating(v));
            double sum = 0;
            foreach (var v in row) sum += Math.Exp(double.CreateTruncating(v) - max);
            double logSum = Math.Log(sum) + max;
            var dst = y.Slice(i * m, m);
            for (int j = 0; j < m; j++) dst[j] = T.CreateTruncating(double.CreateTruncating(row[j]) - logSum);
        }
    }

    /// <summary>
    /// Log-softmax's backward, <c>g - exp(y) · s_i</c> with <c>s_i = Σ_j g[i, j]</c> summed as
    /// <see cref="Tensor.Sum(int, bool)"/> sums a row, as the unfused ops (sum, exp, mul, sub) compute it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LogSoftmaxBackwardRows<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx, int n, int m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < n; i++)
        {
            var gi = g.Slice(i * m, m);
            T s = CascadeSum.Sum(gi);
            var yi = y.Slice(i * m, m);
            var di = dx.Slice(i * m, m);
            for (int j = 0; j < m; j++) di[j] = gi[j] - T.Exp(yi[j]) * s;
        }
    }

    /// <summary>ReLU: <c>x &lt; 0 ? 0 : x</c>, so NaN and -0 pass through (as <see cref="ReluOp"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated)
            for (; j + Vector<T>.Count <= y.Length; j += Vector<T>.Count)
            {
                var v = new Vector<T>(x[j..]);
                Vector.ConditionalSelect(Vector.LessThan(v, Vector<T>.Zero), Vector<T>.Zero, v).CopyTo(y[j..]);
            }
        for (; j < y.Length; j++) y[j] = ReluOp.Apply(x[j]);
    }

    /// <summary>ReLU's backward: <c>g</c> where the output is positive, +0 elsewhere (and where it is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReluBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated)
            for (; j + Vector<T>.Count <= dx.Length; j += Vector<T>.Count)
                Vector.ConditionalSelect(Vector.GreaterThan(new Vector<T>(y[j..]), Vector<T>.Zero), new Vector<T>(g[j..]), Vector<T>.Zero).CopyTo(dx[j..]);
        for (; j < dx.Length; j++) dx[j] = y[j] > T.Zero ? g[j] : T.Zero;
    }
}
