namespace SharpOptim;

// dense.sparse_mask(sparse): the dense tensor's values at the sparse tensor's indices, for
// Adagrad's sparse-gradient update (PyTorch's `state_sum.sparse_mask(grad)`).
public partial class Tensor
{
    /// <summary>
    /// A sparse COO tensor with <paramref name="mask"/>'s indices (kept as they are, duplicates
    /// included) whose values are this dense tensor's entries at those indices.
    /// </summary>
    public Tensor SparseMask(Tensor mask)
    {
        ThrowIfSparse();
        if (!mask.IsSparse) throw new InvalidOperationException("sparse_mask expected sparse coordinate tensor layout but got Strided");
        if (!ShapeUtil.SameShape(mask._shape, _shape))
            throw new ArgumentException($"sparse_mask(): operands have incompatible sizes; self has size {ShapeUtil.Format(_shape)} but mask has size {ShapeUtil.Format(mask._shape)}");
        var rows = mask.SparseRows();
        var maskValues = mask._sparseValues!;
        int inner = maskValues.Dim == 1 ? 1 : ShapeUtil.Numel(maskValues.ShapeRef[1..]);
        var values = NewLike([rows.Length, .. maskValues.ShapeRef[1..]]);
        switch (DType)
        {
            case DType.Float32: Gather(Span<float>(), rows, inner, values.Span<float>()); break;
            case DType.Float64: Gather(Span<double>(), rows, inner, values.Span<double>()); break;
            default: throw NotFloating(this, "sparse_mask");
        }
        return new Tensor(mask._sparseIndices!, values, (int[])_shape.Clone(), mask._coalesced);

        static void Gather<T>(ReadOnlySpan<T> src, int[] rows, int inner, Span<T> dst)
        {
            for (int j = 0; j < rows.Length; j++) src.Slice(rows[j] * inner, inner).CopyTo(dst.Slice(j * inner, inner));
        }
    }
}
