using System.Numerics;

namespace SharpOptim.Optim.Kernels;

// Adafactor's reductions reordered for speed (the default and fused paths): sums of squares in
// double vector lanes, per chunk, in parallel, their partial sums added in chunk order (so the
// result does not depend on the threads). The element-wise values are those of the in-order path;
// only the order of the additions in the norms differs, which moves a norm by about one double
// rounding before it is rounded to the param's dtype.
internal static partial class AdafactorPasses
{
    /// <summary>
    /// The first parallel pass over elements [start, start + length) of a param: its sum of squares
    /// and, for a full-variance param, the variance update (<c>variance.lerp_(g², 1 - beta2_t)</c>)
    /// and the sum of squares of the update computed from it, in the same pass. A factored param's
    /// update needs its whole row and column sums first (<see cref="FactoredUpdateSquares{T}"/>).
    /// </summary>
    public static void FirstPass<T, TMath>(in AdafactorSlot slot, int start, int length, in AdafactorHyper h,
                                           out double paramSquares, out double updateSquares)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        paramSquares = SumOfSquaresReordered<T>(slot.Param.AsSpan<T>().Slice(start, length));
        updateSquares = 0;
        if (slot.Factored) return;

        var grad = slot.Grad.AsSpan<T>().Slice(start, length);
        var variance = slot.Variance!.AsSpan<T>().Slice(start, length);
        T weight = T.CreateTruncating(slot.Step.OneMinusBeta2);
        T eps1Squared = T.CreateTruncating(h.Eps1 * h.Eps1);
        bool small = LerpMath.IsSmallWeight(weight), maximize = h.Maximize;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var w = new Vector<T>(weight);
            var oneMinusW = new Vector<T>(T.One - weight);
            var epsV = new Vector<T>(eps1Squared);
            Vector<double> low = default, high = default;
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = new Vector<T>(grad[i..]);
                var v = LerpMath.Lerp<T, TMath>(new Vector<T>(variance[i..]), g * g, w, oneMinusW, small);
                v.CopyTo(variance[i..]);
                AddSquares(UpdateVector(v, g, epsV, maximize), ref low, ref high);
            }
            updateSquares = Vector.Sum(low + high);
        }
        for (; i < length; i++)
        {
            variance[i] = LerpMath.Lerp<T, TMath>(variance[i], grad[i] * grad[i], weight, small);
            double u = double.CreateTruncating(UpdateScalar(variance[i], grad[i], eps1Squared, maximize));
            updateSquares += u * u;
        }
    }

    /// <summary>The sum of squares of a factored param's update over elements [start, start + length), once its moments are updated.</summary>
    public static double FactoredUpdateSquares<T>(in AdafactorSlot slot, ReadOnlySpan<double> means, int start, int length, in AdafactorHyper h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T eps1Squared = T.CreateTruncating(h.Eps1 * h.Eps1);
        Span<T> u = stackalloc T[Block];
        double sum = 0;
        for (int pos = start, end = start + length; pos < end;)
        {
            int count = ComputeSegment(slot, means, pos, end, eps1Squared, h.Maximize, u);
            sum += SumOfSquaresReordered<T>(u[..count]);
            pos += count;
        }
        return sum;
    }

    /// <summary>Σ x² in double, in vector lanes.</summary>
    private static double SumOfSquaresReordered<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<double> low = default, high = default;
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count) AddSquares(new Vector<T>(x[i..]), ref low, ref high);
            sum = Vector.Sum(low + high);
        }
        for (; i < x.Length; i++)
        {
            double d = double.CreateTruncating(x[i]);
            sum += d * d;
        }
        return sum;
    }

    /// <summary><see cref="AddSquaresInOrder{T}"/> with the row's sum in vector lanes (each column's sum still adds rows in order).</summary>
    private static double AddSquaresReordered<T>(ReadOnlySpan<T> row, Span<double> colSums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Vector.IsHardwareAccelerated) return AddSquaresInOrder(row, colSums);
        int c = 0;
        int perDouble = Vector<double>.Count;
        Vector<double> acc = default;
        for (; c <= row.Length - Vector<T>.Count; c += Vector<T>.Count)
        {
            var (low, high) = Squares(new Vector<T>(row[c..]));
            acc += low + high;
            (new Vector<double>(colSums[c..]) + low).CopyTo(colSums[c..]);
            if (typeof(T) == typeof(float)) (new Vector<double>(colSums[(c + perDouble)..]) + high).CopyTo(colSums[(c + perDouble)..]);
        }
        double rowSum = Vector.Sum(acc);
        for (; c < row.Length; c++)
        {
            double d = double.CreateTruncating(row[c]);
            d *= d;
            rowSum += d;
            colSums[c] += d;
        }
        return rowSum;
    }

    /// <summary>Adds the squares of <paramref name="x"/>'s lanes, in double, to two accumulators.</summary>
    private static void AddSquares<T>(Vector<T> x, ref Vector<double> low, ref Vector<double> high) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (l, h) = Squares(x);
        low += l;
        high += h;
    }

    /// <summary>
    /// The squares of <paramref name="x"/>'s lanes in double, in lane order: float32 lanes widened
    /// into two vectors (low half, high half); float64 lanes as they are (and a zero second vector).
    /// </summary>
    private static (Vector<double> Low, Vector<double> High) Squares<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            Vector.Widen(x.As<T, float>(), out var low, out var high);
            return (low * low, high * high);
        }
        var d = x.As<T, double>();
        return (d * d, default);
    }
}
