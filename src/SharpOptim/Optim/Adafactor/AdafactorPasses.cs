using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// Adafactor's group-wide numbers for one step. <see cref="LrIsFloat32Tensor"/>: PyTorch keeps a
/// tensor lr as a tensor, so the scalars computed from it (rho_t when it is the lr, alpha, the
/// weight-decay factor, the step scale) are float32 tensors, each op rounded to float32.
/// </summary>
internal readonly record struct AdafactorHyper(double Lr, bool LrIsFloat32Tensor, double Beta2Decay, double Eps1, double Eps2, double D,
                                               double WeightDecay, bool Maximize)
{
    /// <summary><c>1 - lr * weight_decay</c>, the factor of the decoupled weight decay.</summary>
    public double DecayFactor => LrIsFloat32Tensor ? 1f - (float)Lr * (float)WeightDecay : 1 - Lr * WeightDecay;

    /// <summary>
    /// The clipping denominator <c>max(1, ‖update‖ / (√numel · d))</c> with Python's max: a NaN norm
    /// (a NaN or infinite update element) gives 1, so only those elements of the param go NaN.
    /// </summary>
    public double ClipDenominator(double updateNorm, int numel) => PyMath.Max(1.0, updateNorm / (Math.Pow(numel, 0.5) * D));

    /// <summary>This step's numbers for a param at step <paramref name="t"/>: 1 - beta2_t and rho_t = min(lr, 1/√t).</summary>
    public AdafactorStepScalars ForStep(double t)
    {
        double inverseRoot = 1 / Math.Pow(t, 0.5);
        // Python's min(lr, x) returns lr unless x < lr; against a float32 tensor x is compared as a float32.
        bool rhoIsLr = LrIsFloat32Tensor ? !((float)inverseRoot < (float)Lr) : !(inverseRoot < Lr);
        return new AdafactorStepScalars(Math.Pow(t, Beta2Decay), rhoIsLr ? Lr : inverseRoot, rhoIsLr && LrIsFloat32Tensor);
    }
}

/// <summary>One param's step numbers. <see cref="RhoIsFloat32"/>: rho_t is the float32 tensor lr, so alpha and the scale are float32.</summary>
internal readonly record struct AdafactorStepScalars(double OneMinusBeta2, double Rho, bool RhoIsFloat32)
{
    /// <summary><c>max(eps2, RMS(param)) · rho_t</c>, with Python's max: a param holding a NaN steps with eps2.</summary>
    public double Alpha(double paramRms, double eps2)
        => RhoIsFloat32 ? (float)PyMath.Max(eps2, paramRms) * (float)Rho : PyMath.Max(eps2, paramRms) * Rho;

    /// <summary><c>-alpha / denom</c>, the multiplier of the update.</summary>
    public double Scale(double alpha, double denom) => RhoIsFloat32 ? -(float)alpha / (float)denom : -alpha / denom;
}

/// <summary>
/// One parameter's part of an Adafactor step: its tensors, its step's numbers, where its factored
/// second moments' row means sit in the group's means buffer and its chunks' partial sums in the
/// group's partial-sum buffers (the reordered passes), and the step scale once the reductions are done.
/// </summary>
internal readonly record struct AdafactorSlot(Tensor Param, Tensor Grad, Tensor? RowVar, Tensor? ColVar, Tensor? Variance,
                                              AdafactorStepScalars Step, int MeansStart = 0, int ChunksStart = 0, double Scale = 0)
{
    /// <summary>True for 2+-dim params: second moments factored over the last two dims.</summary>
    public bool Factored => RowVar is not null;

    /// <summary>The last two dims of a factored param (its rows and columns); 1 × numel otherwise.</summary>
    public int Rows => Factored ? Param.Size(-2) : 1;

    public int Cols => Factored ? Param.Size(-1) : Param.Numel;

    /// <summary>Matrices in a factored param's batch (one row-var mean each); 0 for a full variance.</summary>
    public int MeansCount => Factored && Rows * Cols != 0 ? Param.Numel / (Rows * Cols) : 0;

    /// <summary>Scratch a factored param's row and column sums need in <see cref="AdafactorPasses.Prepare{T, TMath}"/>.</summary>
    public int ScratchCount => Factored ? MeansCount * (Rows + Cols) : 0;

    /// <summary>Records that the step wrote the param and its second moments through spans.</summary>
    public void MarkModified()
    {
        Param.MarkModified();
        RowVar?.MarkModified();
        ColVar?.MarkModified();
        Variance?.MarkModified();
    }
}

/// <summary>
/// Adafactor over one group. The step needs three reductions per param — RMS(param) before the
/// step, the row and column means of g², and RMS(update) for the clipping — so it is not one pass.
/// In the reference's order (<see cref="Prepare{T, TMath}"/>, the <c>foreach</c> path): per param
/// on the calling thread, sums of squares in the element type as <see cref="Tensor.Norm(double)"/>
/// and <see cref="Tensor.Mean(int, bool)"/> add them (PyTorch's order), so that with
/// <see cref="ExactMath"/> every value equals the reference path's bit for bit. Reordered (the default and fused paths, see
/// AdafactorPasses.Reordered.cs): the sums in vector lanes, per chunk, in parallel. Either way
/// <see cref="Apply{T, TMath}"/> then updates every param in one parallel dispatch, recomputing each
/// update element instead of storing it.
/// </summary>
internal static partial class AdafactorPasses
{
    /// <summary>Elements handled per block when an update is computed into a stack buffer.</summary>
    private const int Block = 256;

    /// <summary>
    /// Reductions and state for one param: updates row_var/col_var (or variance) in place, writes
    /// the row-var means of a factored param to <paramref name="means"/> (its
    /// <see cref="AdafactorSlot.MeansCount"/> values), and returns the step scale (see
    /// <see cref="AdafactorSlot.Scale"/>). <paramref name="scratch"/> holds at least
    /// <see cref="AdafactorSlot.ScratchCount"/> doubles.
    /// </summary>
    public static double Prepare<T, TMath>(in AdafactorSlot slot, Span<double> means, Span<double> scratch, in AdafactorHyper h)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        var param = slot.Param.AsSpan<T>();
        var grad = slot.Grad.AsSpan<T>();
        double paramSquares = double.CreateTruncating(VectorNorm.SumOfSquares<T>(param));

        T weight = T.CreateTruncating(slot.Step.OneMinusBeta2);
        if (slot.Factored) UpdateFactoredMoments<T, TMath>(slot, grad, weight, T.CreateTruncating(h.Eps1), means, scratch, inOrder: true);
        else UpdateVariance<T, TMath>(slot.Variance!.AsSpan<T>(), grad, weight);

        var updateSquares = new VectorNorm.SquaresInLanes<T>();
        T eps1Squared = T.CreateTruncating(h.Eps1 * h.Eps1);
        Span<T> u = stackalloc T[Block];
        for (int pos = 0; pos < param.Length;)
        {
            int count = ComputeSegment(slot, means, pos, param.Length, eps1Squared, h.Maximize, u);
            updateSquares.Append(u[..count]);
            pos += count;
        }
        return StepScale<T>(slot, paramSquares, double.CreateTruncating(updateSquares.Total()), h);
    }

    /// <summary>
    /// The step scale from the param's two sums of squares: each norm the square root rounded to
    /// the param's dtype (as <c>norm()</c> returns it), then alpha, the clipping denominator and
    /// <c>-alpha / denom</c> as the reference computes them.
    /// </summary>
    public static double StepScale<T>(in AdafactorSlot slot, double paramSquares, double updateSquares, in AdafactorHyper h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double rootNumel = Math.Pow(slot.Param.Numel, 0.5);
        double paramNorm = double.CreateTruncating(T.CreateTruncating(Math.Sqrt(paramSquares)));
        double alpha = slot.Step.Alpha(paramNorm / rootNumel, h.Eps2);
        double updateNorm = double.CreateTruncating(T.CreateTruncating(Math.Sqrt(updateSquares)));
        return slot.Step.Scale(alpha, h.ClipDenominator(updateNorm, slot.Param.Numel));
    }

    /// <summary>
    /// The parallel pass over elements [start, start+length) of one param: weight decay, then the
    /// scaled update. <paramref name="means"/> is the param's row-var means as Prepare wrote them.
    /// </summary>
    public static void Apply<T, TMath>(in AdafactorSlot slot, ReadOnlySpan<double> means, int start, int length, in AdafactorHyper h)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        var param = slot.Param.AsSpan<T>();
        T scale = T.CreateTruncating(slot.Scale);
        bool decay = h.WeightDecay != 0;
        T decayFactor = T.CreateTruncating(h.DecayFactor);
        T eps1Squared = T.CreateTruncating(h.Eps1 * h.Eps1);
        Span<T> u = stackalloc T[Block];
        int end = start + length;
        for (int pos = start; pos < end;)
        {
            int count = ComputeSegment(slot, means, pos, end, eps1Squared, h.Maximize, u);
            var p = param.Slice(pos, count);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var scaleV = new Vector<T>(scale);
                var decayV = new Vector<T>(decayFactor);
                for (; i <= count - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var pv = new Vector<T>(p[i..]);
                    if (decay) pv *= decayV;
                    TMath.MulAdd(scaleV, new Vector<T>(u[i..]), pv).CopyTo(p[i..]);
                }
            }
            for (; i < count; i++)
            {
                T pv = decay ? p[i] * decayFactor : p[i];
                p[i] = TMath.MulAdd(scale, u[i], pv);
            }
            pos += count;
        }
    }

    /// <summary>
    /// row_var and col_var move toward the row and column means of g² (each mean the square of a
    /// rounded norm, divided by the count, as the reference computes it); then the per-matrix
    /// mean of row_var, clamped to eps1, into <paramref name="means"/>. The sums go to
    /// <paramref name="scratch"/>; <paramref name="inOrder"/> false lets a row's sum run in vector lanes.
    /// </summary>
    public static void UpdateFactoredMoments<T, TMath>(in AdafactorSlot slot, ReadOnlySpan<T> grad, T weight, T eps1, Span<double> means,
                                                       Span<double> scratch, bool inOrder)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        int rows = slot.Rows, cols = slot.Cols, batches = slot.MeansCount;
        var rowVar = slot.RowVar!.AsSpan<T>();
        var colVar = slot.ColVar!.AsSpan<T>();
        var rowSums = scratch[..(batches * rows)];
        var colSums = scratch.Slice(batches * rows, batches * cols);
        rowSums.Clear();
        colSums.Clear();
        for (int b = 0; b < batches; b++)
            for (int r = 0; r < rows; r++)
            {
                var row = grad.Slice((b * rows + r) * cols, cols);
                var batchColSums = colSums.Slice(b * cols, cols);
                rowSums[b * rows + r] = inOrder ? AddSquaresInOrder(row, batchColSums) : AddSquaresReordered(row, batchColSums);
            }
        bool small = LerpMath.IsSmallWeight(weight);
        for (int j = 0; j < rowSums.Length; j++)
            rowVar[j] = LerpMath.Lerp<T, TMath>(rowVar[j], MeanOfSquares<T>(rowSums[j], cols), weight, small);
        for (int j = 0; j < colSums.Length; j++)
            colVar[j] = LerpMath.Lerp<T, TMath>(colVar[j], MeanOfSquares<T>(colSums[j], rows), weight, small);

        for (int b = 0; b < batches; b++)
            means[b] = double.CreateTruncating(ClampMin(CascadeSum.Sum<T>(rowVar.Slice(b * rows, rows)) / T.CreateTruncating(rows), eps1));
    }

    /// <summary>
    /// Adds each element's square to its column's sum; returns the row's sum of squares. As
    /// <see cref="Tensor.Norm(double, int, bool)"/> adds them, in T: the row's in vector lanes
    /// (<see cref="VectorNorm.SumOfSquares{T}"/>), each column's row after row.
    /// </summary>
    private static double AddSquaresInOrder<T>(ReadOnlySpan<T> row, Span<double> colSums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int c = 0; c < row.Length; c++)
            colSums[c] = double.CreateTruncating(T.CreateTruncating(colSums[c]) + row[c] * row[c]);
        return double.CreateTruncating(VectorNorm.SumOfSquares(row));
    }

    /// <summary>The reference's <c>norm.square_().div_(n)</c> from a sum of squares: each step rounded to T.</summary>
    private static T MeanOfSquares<T>(double sumOfSquares, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T norm = T.CreateTruncating(Math.Sqrt(sumOfSquares));
        return norm * norm / T.CreateTruncating(count);
    }

    /// <summary>variance moves toward g² (0-d and 1-d params).</summary>
    private static void UpdateVariance<T, TMath>(Span<T> variance, ReadOnlySpan<T> grad, T weight)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        bool small = LerpMath.IsSmallWeight(weight);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var w = new Vector<T>(weight);
            var oneMinusW = new Vector<T>(T.One - weight);
            for (; i <= variance.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = new Vector<T>(grad[i..]);
                LerpMath.Lerp<T, TMath>(new Vector<T>(variance[i..]), g * g, w, oneMinusW, small).CopyTo(variance[i..]);
            }
        }
        for (; i < variance.Length; i++) variance[i] = LerpMath.Lerp<T, TMath>(variance[i], grad[i] * grad[i], weight, small);
    }

    private static T ClampMin<T>(T x, T min) where T : unmanaged, IFloatingPointIeee754<T> => !T.IsNaN(x) && x < min ? min : x;

    /// <summary>
    /// Computes into <paramref name="buffer"/> the update of the elements from <paramref name="pos"/>
    /// on, up to <paramref name="end"/>, the end of the row or the buffer's length, and returns how
    /// many it computed (a block within one row has one row_var factor). The update is the
    /// reference's, op for op: <c>rsqrt(clamp_min(row_var·col_var / mean, eps1²)) · g</c> (factored)
    /// or <c>rsqrt(clamp_min(variance, eps1²)) · g</c>, with g negated when maximizing.
    /// </summary>
    private static int ComputeSegment<T>(in AdafactorSlot slot, ReadOnlySpan<double> means, int pos, int end, T eps1Squared, bool maximize, Span<T> buffer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cols = slot.Cols;
        int row = pos / cols, col = pos % cols;
        int count = Math.Min(Math.Min(cols - col, end - pos), buffer.Length);
        var u = buffer[..count];
        var g = slot.Grad.AsSpan<T>().Slice(pos, count);
        if (slot.Factored)
        {
            int batch = row / slot.Rows;
            ComputeFactoredUpdates(slot.RowVar!.AsSpan<T>()[row], slot.ColVar!.AsSpan<T>().Slice(batch * cols + col, count),
                T.CreateTruncating(means[batch]), g, eps1Squared, maximize, u);
        }
        else ComputeUpdates(slot.Variance!.AsSpan<T>().Slice(pos, count), g, eps1Squared, maximize, u);
        return count;
    }

    private static void ComputeFactoredUpdates<T>(T rowFactor, ReadOnlySpan<T> colVar, T rowVarMean, ReadOnlySpan<T> grad, T eps1Squared, bool maximize, Span<T> u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var rowV = new Vector<T>(rowFactor);
            var meanV = new Vector<T>(rowVarMean);
            var epsV = new Vector<T>(eps1Squared);
            for (; i <= u.Length - Vector<T>.Count; i += Vector<T>.Count)
                UpdateVector(rowV * new Vector<T>(colVar[i..]) / meanV, new Vector<T>(grad[i..]), epsV, maximize).CopyTo(u[i..]);
        }
        for (; i < u.Length; i++) u[i] = UpdateScalar(rowFactor * colVar[i] / rowVarMean, grad[i], eps1Squared, maximize);
    }

    private static void ComputeUpdates<T>(ReadOnlySpan<T> variance, ReadOnlySpan<T> grad, T eps1Squared, bool maximize, Span<T> u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var epsV = new Vector<T>(eps1Squared);
            for (; i <= u.Length - Vector<T>.Count; i += Vector<T>.Count)
                UpdateVector(new Vector<T>(variance[i..]), new Vector<T>(grad[i..]), epsV, maximize).CopyTo(u[i..]);
        }
        for (; i < u.Length; i++) u[i] = UpdateScalar(variance[i], grad[i], eps1Squared, maximize);
    }

    private static T UpdateScalar<T>(T varEstimate, T g, T eps1Squared, bool maximize) where T : unmanaged, IFloatingPointIeee754<T>
        => T.One / T.Sqrt(ClampMin(varEstimate, eps1Squared)) * (maximize ? -g : g);

    private static Vector<T> UpdateVector<T>(Vector<T> varEstimate, Vector<T> g, Vector<T> eps1Squared, bool maximize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // clamp_min keeps NaN (a NaN compares false), as the scalar form and the tensor op do.
        var clamped = Vector.ConditionalSelect(Vector.LessThan(varEstimate, eps1Squared), eps1Squared, varEstimate);
        return Vector<T>.One / Vector.SquareRoot(clamped) * (maximize ? -g : g);
    }
}
