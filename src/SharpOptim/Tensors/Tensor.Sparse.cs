namespace SharpOptim;

// Sparse COO tensors, as far as sparse gradients need them: Embedding(sparse: true) produces
// them; SGD, Adagrad and SparseAdam consume them. Like PyTorch, a sum of sparse tensors simply
// concatenates their entries (it stays "uncoalesced") until Coalesce() merges duplicates.
public partial class Tensor
{
    private Tensor? _sparseIndices;
    private Tensor? _sparseValues;
    private bool _coalesced;

    private Tensor(Tensor indices, Tensor values, int[] shape, bool coalesced)
    {
        Storage = values.Storage;
        Offset = 0;
        _shape = shape;
        Numel = ShapeUtil.Numel(shape);
        _sparseIndices = indices;
        _sparseValues = values;
        _coalesced = coalesced;
    }

    /// <summary>True for a sparse COO tensor.</summary>
    public bool IsSparse => _sparseValues is not null;

    /// <summary>True when no index appears twice and the indices are sorted.</summary>
    public bool IsCoalesced => IsSparse ? _coalesced : throw new InvalidOperationException("is_coalesced expected sparse coordinate tensor layout but got Strided");

    /// <summary>The int64 indices (sparse_dim × nnz) of a sparse tensor.</summary>
    public Tensor Indices() => _sparseIndices ?? throw new InvalidOperationException("indices expected sparse coordinate tensor layout but got Strided");

    /// <summary>The values (nnz × dense dims) of a sparse tensor.</summary>
    public Tensor Values() => _sparseValues ?? throw new InvalidOperationException("values expected sparse coordinate tensor layout but got Strided");

    internal static Tensor MakeSparse(Tensor indices, Tensor values, int[] shape, bool coalesced = false)
    {
        if (indices.DType != DType.Int64) throw new ArgumentException("indices must be an int64 tensor");
        if (indices.Dim != 2) throw new ArgumentException($"indices must be sparse_dim x nnz, but got: {ShapeUtil.Format(indices.ShapeRef)}");
        int sparseDim = indices.ShapeRef[0], nnz = indices.ShapeRef[1];
        if (values.Dim < 1 || values.ShapeRef[0] != nnz)
            throw new ArgumentException($"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from values: {(values.Dim == 0 ? 0 : values.ShapeRef[0])}");
        if (sparseDim + values.Dim - 1 != shape.Length || !values.ShapeRef.AsSpan(1).SequenceEqual(shape.AsSpan(sparseDim)))
            throw new ArgumentException($"values has incorrect size, expected {ShapeUtil.Format([nnz, .. shape[sparseDim..]])}, got {ShapeUtil.Format(values.ShapeRef)}");
        var idx = indices.Span<long>();
        for (int d = 0; d < sparseDim; d++)
            for (int j = 0; j < nnz; j++)
                if (idx[d * nnz + j] < 0 || idx[d * nnz + j] >= shape[d])
                    throw new ArgumentException($"index {idx[d * nnz + j]} is out of bounds for dimension {d} with size {shape[d]}");
        return new Tensor(indices, values, (int[])shape.Clone(), coalesced || nnz <= 1);
    }

    private int SparseDim => _sparseIndices!.ShapeRef[0];

    private int Nnz => _sparseIndices!.ShapeRef[1];

    /// <summary>Flat row (over the sparse dims) of each entry.</summary>
    private int[] SparseRows()
    {
        var idx = _sparseIndices!.Span<long>();
        int nnz = Nnz, sparseDim = SparseDim;
        var rows = new int[nnz];
        for (int j = 0; j < nnz; j++)
        {
            long flat = 0;
            for (int d = 0; d < sparseDim; d++) flat = flat * _shape[d] + idx[d * nnz + j];
            rows[j] = (int)flat;
        }
        return rows;
    }

    /// <summary>The dense equivalent (duplicates summed).</summary>
    public Tensor ToDense()
    {
        if (!IsSparse) return this;
        var r = _sparseValues!.NewLike(_shape);
        r.AddSparseInto_(this, 1);
        return r;
    }

    /// <summary>Merges duplicate indices (summing their values) and sorts them.</summary>
    public Tensor Coalesce()
    {
        if (!IsSparse) throw new InvalidOperationException("coalesce expected sparse coordinate tensor layout but got Strided");
        if (_coalesced) return this;
        var rows = SparseRows();
        var unique = rows.Distinct().Order().ToArray();
        int sparseDim = SparseDim;
        int inner = _sparseValues!.Numel / Math.Max(Nnz, 1);
        var position = new Dictionary<int, int>();
        for (int u = 0; u < unique.Length; u++) position[unique[u]] = u;
        var values = _sparseValues.NewLike([unique.Length, .. _sparseValues.ShapeRef[1..]]);
        for (int j = 0; j < rows.Length; j++)
        {
            int u = position[rows[j]];
            for (int c = 0; c < inner; c++)
                values.SetFromDouble(u * inner + c, values.GetAsDouble(u * inner + c) + _sparseValues.GetAsDouble(j * inner + c));
        }
        var indices = new long[sparseDim * unique.Length];
        for (int u = 0; u < unique.Length; u++)
        {
            long flat = unique[u];
            for (int d = sparseDim - 1; d >= 0; d--)
            {
                indices[d * unique.Length + u] = flat % _shape[d];
                flat /= _shape[d];
            }
        }
        return new Tensor(Torch.Tensor(indices, [sparseDim, unique.Length]), values, _shape, coalesced: true);
    }

    /// <summary>dense self += alpha * sparse other.</summary>
    private Tensor AddSparseInto_(Tensor sparse, double alpha)
    {
        if (!ShapeUtil.SameShape(sparse._shape, _shape))
            throw new ArgumentException($"add: expected 'self' and 'other' to have same size, but self has size {ShapeUtil.Format(_shape)} while other has size {ShapeUtil.Format(sparse._shape)}");
        var rows = sparse.SparseRows();
        var values = sparse._sparseValues!;
        int inner = rows.Length == 0 ? 0 : values.Numel / rows.Length;
        switch (DType)
        {
            case DType.Float32:
            {
                var d = Span<float>(); var v = values.To(DType.Float32).Span<float>(); float a = (float)alpha;
                for (int j = 0; j < rows.Length; j++)
                    for (int c = 0; c < inner; c++) d[rows[j] * inner + c] += a * v[j * inner + c];
                break;
            }
            case DType.Float64:
            {
                var d = Span<double>(); var v = values.To(DType.Float64).Span<double>();
                for (int j = 0; j < rows.Length; j++)
                    for (int c = 0; c < inner; c++) d[rows[j] * inner + c] += alpha * v[j * inner + c];
                break;
            }
            default: throw NotFloating(this, "add");
        }
        Storage.Version++;
        return this;
    }

    private Tensor SparseAwareAdd(Tensor other, double alpha)
    {
        if (!ShapeUtil.SameShape(other._shape, _shape))
            throw new ArgumentException($"add: expected 'self' and 'other' to have same size, but self has size {ShapeUtil.Format(_shape)} while other has size {ShapeUtil.Format(other._shape)}");
        if (!IsSparse) return Clone(recordGraph: false).AddSparseInto_(other, alpha);
        if (!other.IsSparse) throw new InvalidOperationException("add(sparse, dense) is not supported. Use add(dense, sparse) instead.");
        var scaled = alpha == 1 ? other._sparseValues! : other._sparseValues!.Mul(alpha);
        return new Tensor(Torch.Cat([_sparseIndices!.TransposedCopy(), other._sparseIndices!.TransposedCopy()]).TransposedCopy(),
                          Torch.Cat([_sparseValues!, scaled]), _shape, coalesced: false);
    }

    private Tensor SparseAdd_(Tensor other, double alpha)
    {
        if (!other.IsSparse) throw new NotSupportedException("in-place add of a dense tensor into a sparse tensor is not supported");
        var sum = SparseAwareAdd(other, alpha);
        _sparseIndices = sum._sparseIndices;
        _sparseValues = sum._sparseValues;
        _coalesced = sum._coalesced;
        return this;
    }

    private Tensor SparseMul(Tensor other)
    {
        if (other.Numel == 1 && !other.IsSparse) return SparseScale(other.Item());
        throw new NotSupportedException("multiplying a sparse tensor by a non-scalar tensor is not supported");
    }

    private Tensor SparseScale(double s) => new(_sparseIndices!, _sparseValues!.Mul(s), _shape, _coalesced);

    private Tensor SparseScale_(double s)
    {
        _sparseValues!.Mul_(s);
        return this;
    }

    private Tensor SparseClone() => new(_sparseIndices!.Clone(recordGraph: false), _sparseValues!.Clone(recordGraph: false), _shape, _coalesced);

    private Tensor SparseDetach() => new(_sparseIndices!, _sparseValues!.Detach(), _shape, _coalesced);

    private Tensor SparseZero_()
    {
        _sparseIndices = Torch.Zeros([SparseDim, 0], DType.Int64);
        _sparseValues = _sparseValues!.NewLike([0, .. _sparseValues.ShapeRef[1..]]);
        _coalesced = true;
        return this;
    }
}
