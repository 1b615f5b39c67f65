using SharpOptim.Autograd;

namespace SharpOptim;

// Sum, mean, max/min, norm and dot, each adding in PyTorch's CPU order (CascadeSum, VectorNorm,
// the reference BLAS's dot) in the element type, so that results round as PyTorch's.
public partial class Tensor
{
    /// <summary>
    /// Sum of all elements, as a 0-d tensor, as <c>torch.Tensor.sum()</c>. As in PyTorch, int64 and
    /// bool tensors sum to int64 (so <c>pred.Eq(target).Sum()</c> counts the matches), wrapping on
    /// overflow; float tensors keep their dtype and add in PyTorch's CPU order.
    /// </summary>
    /// <exception cref="NotSupportedException">A sparse tensor.</exception>
    public Tensor Sum()
    {
        ThrowIfSparse();
        if (!IsFloatingPoint) return IntegerSum(1, Numel, 1, keptShape: []);
        var r = NewLike([]);
        switch (DType)
        {
            case DType.Float32: r.Span<float>()[0] = CascadeSum.Sum(Span<float>()); break;
            default: r.Span<double>()[0] = CascadeSum.Sum(Span<double>()); break;
        }
        if (!Graph.NeedsGrad(this)) return r;
        var shape = _shape;
        return Graph.Record(r, "SumBackward0", g => [g.Expand(shape)], this);
    }

    /// <summary>
    /// Sum along <paramref name="dim"/> (negative counts from the end), as
    /// <c>torch.Tensor.sum(dim, keepdim)</c>: that dim is removed, or kept with size 1 when
    /// <paramref name="keepdim"/>; int64 for int64 and bool tensors, as <see cref="Sum()"/>.
    /// </summary>
    public Tensor Sum(int dim, bool keepdim = false)
    {
        ThrowIfSparse();
        if (IsFloatingPoint) return ReduceDim(dim, keepdim, mean: false);
        dim = ShapeUtil.NormalizeDim(dim, Dim);
        var (outer, size, inner) = SplitAt(dim);
        return IntegerSum(outer, size, inner, ReducedShape(_shape, dim, keepdim));
    }

    /// <summary>
    /// The int64 sums over the middle dim of an outer × size × inner layout, for int64 and bool
    /// tensors; such sums are never differentiable.
    /// </summary>
    private Tensor IntegerSum(int outer, int size, int inner, int[] keptShape)
    {
        var r = Torch.Zeros(keptShape, DType.Int64);
        var dst = r.Span<long>();
        if (DType == DType.Bool) Add(Span<bool>(), dst);
        else Add(Span<long>(), dst);
        return r;

        void Add<T>(ReadOnlySpan<T> x, Span<long> sums) where T : unmanaged
        {
            for (int o = 0; o < outer; o++)
                for (int k = 0; k < size; k++)
                    for (int i = 0; i < inner; i++)
                        sums[o * inner + i] = unchecked(sums[o * inner + i] + AsLong(x[(o * size + k) * inner + i]));
        }

        static long AsLong<T>(T v) where T : unmanaged => typeof(T) == typeof(bool) ? ((bool)(object)v ? 1 : 0) : (long)(object)v;
    }

    /// <summary>Mean of all elements, as a 0-d tensor (<c>torch.Tensor.mean()</c>): the sum divided by the count in the element type, as PyTorch's CPU mean computes it; NaN for an empty tensor.</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor (PyTorch also refuses an integer mean).</exception>
    public Tensor Mean()
    {
        ThrowIfSparse();
        var r = NewLike([]);
        switch (DType)
        {
            case DType.Float32: r.Span<float>()[0] = CascadeSum.Sum(Span<float>()) / Numel; break;
            case DType.Float64: r.Span<double>()[0] = CascadeSum.Sum(Span<double>()) / Numel; break;
            default: throw NotFloating(this, "mean");
        }
        if (!Graph.NeedsGrad(this)) return r;
        var shape = _shape;
        int n = Numel;
        return Graph.Record(r, "MeanBackward0", g => [g.Div(n).Expand(shape)], this);
    }

    /// <summary>Mean along <paramref name="dim"/>, as <c>torch.Tensor.mean(dim, keepdim)</c>; the dim is removed unless <paramref name="keepdim"/>.</summary>
    public Tensor Mean(int dim, bool keepdim = false) => ReduceDim(dim, keepdim, mean: true);

    /// <summary>Broadcasts this tensor to <paramref name="shape"/> (a new tensor).</summary>
    internal Tensor Expand(int[] shape)
    {
        if (ShapeUtil.SameShape(_shape, shape)) return this;
        var r = NewLike(shape);
        CopyInto(this, r);
        return r;
    }

    private (int outer, int size, int inner) SplitAt(int dim)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= _shape[i];
        for (int i = dim + 1; i < Dim; i++) inner *= _shape[i];
        return (outer, Dim == 0 ? 1 : _shape[dim], inner);
    }

    private static int[] ReducedShape(int[] shape, int dim, bool keepdim)
    {
        if (shape.Length == 0) return [];
        if (keepdim) { var s = (int[])shape.Clone(); s[dim] = 1; return s; }
        return [.. shape[..dim], .. shape[(dim + 1)..]];
    }

    private Tensor ReduceDim(int dim, bool keepdim, bool mean)
    {
        ThrowIfSparse();
        if (!IsFloatingPoint) throw NotFloating(this, mean ? "mean" : "sum");
        dim = ShapeUtil.NormalizeDim(dim, Dim);
        var (outer, size, inner) = SplitAt(dim);
        var outShape = ReducedShape(_shape, dim, keepdim);
        var r = NewLike(outShape);
        switch (DType)
        {
            case DType.Float32: SumAlong(Span<float>(), outer, size, inner, mean, r.Span<float>()); break;
            default: SumAlong(Span<double>(), outer, size, inner, mean, r.Span<double>()); break;
        }
        if (!Graph.NeedsGrad(this)) return r;
        var shape = _shape;
        var keptShape = ReducedShape(_shape, dim, keepdim: true);
        return Graph.Record(r, mean ? "MeanBackward1" : "SumBackward1", g =>
        {
            var gk = g.Reshape(keptShape);
            return [(mean ? gk.Div(size) : gk).Expand(shape)];
        }, this);
    }

    /// <summary>
    /// Sums (or means) over the middle dim of an outer × size × inner layout: each row with the
    /// last dim reduced, down each column otherwise, as PyTorch's CPU sum orders them; a mean
    /// divides each sum by the count in the element type.
    /// </summary>
    private static void SumAlong<T>(ReadOnlySpan<T> x, int outer, int size, int inner, bool mean, Span<T> dst)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (inner == 1) CascadeSum.RowSums(x, outer, size, dst);
        else
            for (int o = 0; o < outer; o++)
                CascadeSum.ColumnSums(x.Slice(o * size * inner, size * inner), size, inner, dst.Slice(o * inner, inner));
        if (!mean) return;
        T count = T.CreateTruncating(size);
        for (int j = 0; j < dst.Length; j++) dst[j] /= count;
    }

    /// <summary>Largest element (NaN if any element is NaN), as a 0-d tensor.</summary>
    public Tensor Max() => Extreme(max: true);

    /// <summary>Smallest element (NaN if any element is NaN), as a 0-d tensor.</summary>
    public Tensor Min() => Extreme(max: false);

    private Tensor Extreme(bool max)
    {
        ThrowIfSparse();
        if (Numel == 0)
            throw new InvalidOperationException($"{(max ? "max" : "min")}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
        int best = 0;
        double bestValue = GetAsDouble(0);
        for (int i = 1; i < Numel && !double.IsNaN(bestValue); i++)
        {
            double v = GetAsDouble(i);
            if (double.IsNaN(v) || (max ? v > bestValue : v < bestValue)) { best = i; bestValue = v; }
        }
        var r = Torch.Scalar(bestValue, DType);
        if (!Graph.NeedsGrad(this)) return r;
        var x = Detach();
        return Graph.RecordSaving(r, max ? "MaxBackward1" : "MinBackward1", [x], g =>
        {
            // The gradient is shared evenly among the elements equal to the extreme, as PyTorch does.
            var hits = x.Eq(bestValue).To(x.DType);
            return [hits.Mul(g).Div(hits.Sum().Item())];
        }, this);
    }

    /// <summary>Largest elements along <paramref name="dim"/> and their indices (int64).</summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepdim = false) => ExtremeDim(dim, keepdim, max: true);

    /// <summary>Smallest elements along <paramref name="dim"/> and their indices (int64).</summary>
    public (Tensor Values, Tensor Indices) Min(int dim, bool keepdim = false) => ExtremeDim(dim, keepdim, max: false);

    /// <summary>Indices (int64) of the largest elements along <paramref name="dim"/>.</summary>
    public Tensor Argmax(int dim, bool keepdim = false) => Max(dim, keepdim).Indices;

    private (Tensor, Tensor) ExtremeDim(int dim, bool keepdim, bool max)
    {
        ThrowIfSparse();
        dim = ShapeUtil.NormalizeDim(dim, Dim);
        var (outer, size, inner) = SplitAt(dim);
        if (size == 0) throw new InvalidOperationException("cannot compute max/min over an empty dimension");
        var outShape = ReducedShape(_shape, dim, keepdim);
        var values = NewLike(outShape);
        var indices = new Tensor(Storage.Allocate(DType.Int64, ShapeUtil.Numel(outShape)), outShape);
        var idx = indices.Span<long>().ToArray();
        if (inner == 1 && DType == DType.Float32) RowKernels.ArgExtremeRows(Span<float>(), outer, size, max, values.Span<float>(), idx);
        else if (inner == 1 && DType == DType.Float64) RowKernels.ArgExtremeRows(Span<double>(), outer, size, max, values.Span<double>(), idx);
        else
        {
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    int best = 0;
                    double bestValue = GetAsDouble(o * size * inner + i);
                    for (int k = 1; k < size && !double.IsNaN(bestValue); k++)
                    {
                        double v = GetAsDouble((o * size + k) * inner + i);
                        if (double.IsNaN(v) || (max ? v > bestValue : v < bestValue)) { best = k; bestValue = v; }
                    }
                    values.SetFromDouble(o * inner + i, bestValue);
                    idx[o * inner + i] = best;
                }
        }
        idx.CopyTo(indices.Span<long>());
        if (!Graph.NeedsGrad(this)) return (values, indices);
        var shape = _shape;
        var keptShape = ReducedShape(_shape, dim, keepdim: true);
        Graph.Record(values, max ? "MaxBackward0" : "MinBackward0", g =>
        {
            var gx = g.NewLike(shape);
            var gk = g.Reshape(keptShape);
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                    gx.SetFromDouble((o * size + (int)idx[o * inner + i]) * inner + i, gk.GetAsDouble(o * inner + i));
            return [gx];
        }, this);
        Graph.MarkSavesValues(values);
        return (values, indices);
    }

    /// <summary>The p-norm of all elements (p = 2 by default; <c>double.PositiveInfinity</c> for the max-abs norm).</summary>
    public Tensor Norm(double p = 2)
    {
        ThrowIfSparse();
        return Flatten().Norm(p, 0, keepdim: false).Reshape();
    }

    /// <summary>The p-norm along <paramref name="dim"/>.</summary>
    public Tensor Norm(double p, int dim, bool keepdim = false)
    {
        ThrowIfSparse();
        if (!IsFloatingPoint) throw NotFloating(this, "norm");
        dim = ShapeUtil.NormalizeDim(dim, Dim);
        var (outer, size, inner) = SplitAt(dim);
        var outShape = ReducedShape(_shape, dim, keepdim);
        var r = NewLike(outShape);
        if (DType == DType.Float32) VectorNorm.Compute(Span<float>(), outer, size, inner, p, r.Span<float>());
        else VectorNorm.Compute(Span<double>(), outer, size, inner, p, r.Span<double>());
        if (!Graph.NeedsGrad(this)) return r;
        var x = Detach();
        var keptShape = ReducedShape(_shape, dim, keepdim: true);
        var normKept = r.Detach().Reshape(keptShape);
        return Graph.RecordSaving(r, "NormBackward1", [x, normKept], g =>
        {
            var gk = g.Reshape(keptShape);
            if (p == 2) return [Torch.Where(normKept.Eq(0), Torch.ZerosLike(x), x.Div(normKept)).Mul(gk)];
            if (p == 1) return [x.Sign().Mul(gk)];
            if (double.IsPositiveInfinity(p))
            {
                var hits = x.Abs().Eq(normKept).To(x.DType);
                return [x.Sign().Mul(hits).Div(hits.Sum(dim, keepdim: true)).Mul(gk)];
            }
            // d/dx (sum |x|^p)^(1/p) = sign(x) |x|^(p-1) / norm^(p-1)
            return [x.Sign().Mul(x.Abs().Pow(p - 1)).Div(normKept.Pow(p - 1)).Mul(gk)];
        }, this);
    }

    /// <summary>Inner product of two 1-D tensors.</summary>
    public Tensor Dot(Tensor other)
    {
        if (Dim != 1 || other.Dim != 1)
            throw new ArgumentException($"1D tensors expected, but got {Dim}D and {other.Dim}D tensors");
        if (Numel != other.Numel)
            throw new ArgumentException($"inconsistent tensor size, expected tensor [{Numel}] and src [{other.Numel}] to have the same number of elements, but got {Numel} and {other.Numel} elements respectively");
        if (DType != other.DType)
            throw new ArgumentException($"dot : expected both vectors to have same dtype, but found {DType.TorchName()} and {other.DType.TorchName()}");
        var r = NewLike([]);
        switch (DType)
        {
            case DType.Float32: r.Span<float>()[0] = SequentialDot(Span<float>(), other.Span<float>()); break;
            case DType.Float64: r.Span<double>()[0] = SequentialDot(Span<double>(), other.Span<double>()); break;
            default: throw NotFloating(this, "dot");
        }
        if (!Graph.NeedsGrad(this, other)) return r;
        Tensor a = Detach(), b = other.Detach();
        return Graph.RecordSaving(r, "DotBackward0", [a, b], g => [RequiresGrad ? g.Mul(b) : null, other.RequiresGrad ? g.Mul(a) : null], this, other);
    }

    /// <summary>
    /// Σ x·y as PyTorch's CPU dot computes it in this build: it calls the reference BLAS
    /// (<c>ddot</c>/<c>sdot</c>), which adds the rounded products one by one, in order, in the
    /// element type (measured bit for bit with tools/golden/rounding.py).
    /// </summary>
    private static T SequentialDot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T acc = T.Zero;
        for (int i = 0; i < x.Length; i++) acc += x[i] * y[i];
        return acc;
    }
}
