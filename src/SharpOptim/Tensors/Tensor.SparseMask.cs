namespace SharpOptim;

// What SparseAdam needs of sparse COO tensors beyond Tensor.Sparse.cs: PyTorch's sparse_mask,
// and the size of an entry for the kernel that updates only the touched rows.
public partial class Tensor
{
    /// <summary>
    /// PyTorch's <c>dense.sparse_mask(mask)</c>: a sparse tensor with <paramref name="mask"/>'s
    /// indices holding this dense tensor's values there (the mask's own values are ignored).
    /// </summary>
    public Tensor SparseMask(Tensor mask)
    {
        ThrowIfSparse();
        if (!mask.IsSparse) throw new ArgumentException("sparse_mask expected a sparse COO mask, but got a dense tensor", nameof(mask));
        if (!ShapeUtil.SameShape(mask._shape, _shape))
            throw new ArgumentException($"sparse_mask(): operands have incompatible sizes; self has size {ShapeUtil.Format(_shape)} but mask has size {ShapeUtil.Format(mask._shape)}", nameof(mask));
        var rows = mask.SparseRows();
        int inner = SparseInnerSize(mask);
        var values = NewLike([rows.Length, .. _shape[mask.SparseDim..]]);
        switch (DType)
        {
            case DType.Float32: GatherRows(Span<float>(), rows, inner, values.Span<float>()); break;
            case DType.Float64: GatherRows(Span<double>(), rows, inner, values.Span<double>()); break;
            default: throw NotFloating(this, "sparse_mask");
        }
        return new Tensor(mask._sparseIndices!, values, _shape, mask._coalesced);
    }

    /// <summary>Elements per entry of a sparse tensor: the product of its dense dimensions.</summary>
    internal static int SparseInnerSize(Tensor sparse)
    {
        int inner = 1;
        for (int d = sparse.SparseDim; d < sparse._shape.Length; d++) inner *= sparse._shape[d];
        return inner;
    }

    private static void GatherRows<T>(ReadOnlySpan<T> dense, int[] rows, int inner, Span<T> dst) where T : unmanaged
    {
        for (int j = 0; j < rows.Length; j++)
            dense.Slice(rows[j] * inner, inner).CopyTo(dst.Slice(j * inner, inner));
    }
}
