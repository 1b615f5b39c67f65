using SharpOptim.Autograd;

namespace SharpOptim;

// Row gathers (embedding lookup, class-probability picks) and softmax along a dimension.
public partial class Tensor
{
    /// <summary>Rows of this tensor picked by the int64 <paramref name="index"/> along dimension 0.</summary>
    public Tensor IndexSelect(int dim, Tensor index) => IndexSelect(dim, index, sparseGrad: false);

    /// <summary>
    /// As <see cref="IndexSelect(int, Tensor)"/>; with <paramref name="sparseGrad"/> the gradient
    /// for this tensor is a sparse COO tensor holding only the selected rows (as <c>Embedding(sparse=True)</c>).
    /// </summary>
    internal Tensor IndexSelect(int dim, Tensor index, bool sparseGrad)
    {
        ThrowIfSparse();
        if (ShapeUtil.NormalizeDim(dim, Dim) != 0) throw new NotSupportedException("index_select is supported along dimension 0 only");
        if (index.DType != DType.Int64) throw new ArgumentException($"index_select(): Expected dtype int64 for index, got {index.DType.TorchName()}");
        if (index.Dim > 1) throw new ArgumentException("index_select(): Index is supposed to be a vector");
        var idx = index.Span<long>().ToArray();
        int rows = _shape[0];
        int inner = rows == 0 ? 0 : Numel / rows;
        foreach (var i in idx)
            if (i < 0 || i >= rows) throw new IndexOutOfRangeException($"index out of range in self: index {i} for dimension 0 with size {rows}");
        var outShape = (int[])_shape.Clone();
        outShape[0] = idx.Length;
        var r = NewUninitialized(outShape);
        // Whole rows, whatever the element type (one untyped copy per row), so every element is written.
        for (int j = 0; j < idx.Length; j++) Array.Copy(Storage.Data, Storage.Start + Offset + (int)idx[j] * inner, r.Storage.Data, r.Storage.Start + j * inner, inner);
        if (!Graph.NeedsGrad(this)) return r;
        var shape = _shape;
        return Graph.MarkSavesValues(Graph.Record(r, sparseGrad ? "EmbeddingBackward0" : "IndexSelectBackward0", g =>
        {
            if (sparseGrad)
                return [Torch.SparseCooTensor(Torch.Tensor(idx, [1, idx.Length]), g.Clone(recordGraph: false), shape)];
            var gx = g.NewLike(shape);
            for (int j = 0; j < idx.Length; j++)
                for (int c = 0; c < inner; c++)
                {
                    int at = (int)idx[j] * inner + c;
                    gx.SetFromDouble(at, gx.GetAsDouble(at) + g.GetAsDouble(j * inner + c));
                }
            return [gx];
        }, this));
    }

    /// <summary>
    /// Values along <paramref name="dim"/> picked by an int64 <paramref name="index"/> of the same
    /// shape except at <paramref name="dim"/>: <c>out[i][j] = self[i][index[i][j]]</c> for dim 1.
    /// </summary>
    public Tensor Gather(int dim, Tensor index)
    {
        ThrowIfSparse();
        dim = ShapeUtil.NormalizeDim(dim, Dim);
        if (index.DType != DType.Int64) throw new ArgumentException($"gather(): Expected dtype int64 for index, got {index.DType.TorchName()}");
        if (index.Dim != Dim) throw new ArgumentException("Index tensor must have the same number of dimensions as input tensor");
        for (int d = 0; d < Dim; d++)
            if (d != dim && index._shape[d] != _shape[d])
                throw new ArgumentException($"gather(): index shape {ShapeUtil.Format(index._shape)} must match input shape {ShapeUtil.Format(_shape)} except in dimension {dim}");
        var (outer, size, inner) = SplitAt(dim);
        int picks = index.Dim == 0 ? 1 : index._shape[dim];
        var idx = index.Span<long>().ToArray();
        var r = NewLike(index._shape);
        var source = new int[idx.Length];
        for (int o = 0; o < outer; o++)
            for (int k = 0; k < picks; k++)
                for (int i = 0; i < inner; i++)
                {
                    int at = (o * picks + k) * inner + i;
                    long pick = idx[at];
                    if (pick < 0 || pick >= size) throw new IndexOutOfRangeException($"gather(): index {pick} is out of bounds for dimension {dim} with size {size}");
                    source[at] = (o * size + (int)pick) * inner + i;
                    r.SetFromDouble(at, GetAsDouble(source[at]));
                }
        if (!Graph.NeedsGrad(this)) return r;
        var shape = _shape;
        return Graph.MarkSavesValues(Graph.Record(r, "GatherBackward0", g =>
        {
            var gx = g.NewLike(shape);
            for (int at = 0; at < source.Length; at++)
                gx.SetFromDouble(source[at], gx.GetAsDouble(source[at]) + g.GetAsDouble(at));
            return [gx];
        }, this));
    }

    /// <summary>log(softmax(x)) along <paramref name="dim"/>, computed stably.</summary>
    public Tensor LogSoftmax(int dim)
    {
        ThrowIfSparse();
        if (!IsFloatingPoint) throw NotFloating(this, "log_softmax");
        dim = ShapeUtil.NormalizeDim(dim, Dim);
        var (outer, size, inner) = SplitAt(dim);
        var r = NewUninitialized(_shape);   // every element is written below
        if (inner == 1) return LogSoftmaxLastDim(r, outer, size);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double max = double.NegativeInfinity;
                for (int k = 0; k < size; k++) max = Math.Max(max, GetAsDouble((o * size + k) * inner + i));
                double sum = 0;
                for (int k = 0; k < size; k++) sum += Math.Exp(GetAsDouble((o * size + k) * inner + i) - max);
                double logSum = Math.Log(sum) + max;
                for (int k = 0; k < size; k++)
                {
                    int at = (o * size + k) * inner + i;
                    r.SetFromDouble(at, GetAsDouble(at) - logSum);
                }
            }
        if (!Graph.NeedsGrad(this)) return r;
        var y = r.Detach();
        return Graph.RecordSaving(r, "LogSoftmaxBackward0", [y], g => [g.Sub(y.Exp().Mul(g.Sum(dim, keepdim: true)))], this);
    }

    /// <summary>softmax(x) along <paramref name="dim"/>.</summary>
    public Tensor Softmax(int dim) => LogSoftmax(dim).Exp();
}
