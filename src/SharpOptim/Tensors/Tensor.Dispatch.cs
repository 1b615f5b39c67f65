using SharpOptim.Autograd;

namespace SharpOptim;

// Dtype dispatch and the in-place protocol shared by every operation.
public partial class Tensor
{
    internal static Exception NotFloating(Tensor t, string op)
        => new NotSupportedException($"{op} is only supported for float32 and float64 tensors, got {t.DType.TorchName()}");

    private static void UnaryInto<TOp>(Tensor x, Tensor dst) where TOp : IUnaryOp
    {
        switch (x.DType)
        {
            case DType.Float32: ElementKernels.Unary<float, TOp>(x.Span<float>(), dst.Span<float>()); break;
            case DType.Float64: ElementKernels.Unary<double, TOp>(x.Span<double>(), dst.Span<double>()); break;
            default: throw NotFloating(x, typeof(TOp).Name.Replace("Op", ""));
        }
    }

    private static Tensor UnaryOut<TOp>(Tensor x) where TOp : IUnaryOp
    {
        x.ThrowIfSparse();
        var r = x.NewLike();
        UnaryInto<TOp>(x, r);
        return r;
    }

    private static void BinaryInto<TOp>(Tensor a, Tensor b, Tensor dst) where TOp : IBinaryOp
    {
        var ma = BroadcastMap.Create(a._shape, dst._shape);
        var mb = BroadcastMap.Create(b._shape, dst._shape);
        switch (dst.DType)
        {
            case DType.Float32: ElementKernels.Binary<float, TOp>(a.Span<float>(), ma, b.Span<float>(), mb, dst.Span<float>()); break;
            case DType.Float64: ElementKernels.Binary<double, TOp>(a.Span<double>(), ma, b.Span<double>(), mb, dst.Span<double>()); break;
            default: throw NotFloating(dst, typeof(TOp).Name.Replace("Op", ""));
        }
    }

    private static Tensor BinaryOut<TOp>(Tensor a, Tensor b) where TOp : IBinaryOp
    {
        (a, b) = Promote(a, b);
        var r = a.NewLike(ShapeUtil.Broadcast(a._shape, b._shape));
        BinaryInto<TOp>(a, b, r);
        return r;
    }

    private static void BinaryScalarInto<TOp>(Tensor a, double s, Tensor dst, bool scalarFirst = false) where TOp : IBinaryOp
    {
        switch (a.DType)
        {
            case DType.Float32:
                if (scalarFirst) ElementKernels.ScalarBinary<float, TOp>((float)s, a.Span<float>(), dst.Span<float>());
                else ElementKernels.BinaryScalar<float, TOp>(a.Span<float>(), (float)s, dst.Span<float>());
                break;
            case DType.Float64:
                if (scalarFirst) ElementKernels.ScalarBinary<double, TOp>(s, a.Span<double>(), dst.Span<double>());
                else ElementKernels.BinaryScalar<double, TOp>(a.Span<double>(), s, dst.Span<double>());
                break;
            default: throw NotFloating(a, typeof(TOp).Name.Replace("Op", ""));
        }
    }

    private static Tensor BinaryScalarOut<TOp>(Tensor a, double s, bool scalarFirst = false) where TOp : IBinaryOp
    {
        a.ThrowIfSparse();
        var r = a.NewLike();
        BinaryScalarInto<TOp>(a, s, r, scalarFirst);
        return r;
    }

    /// <summary>
    /// PyTorch's type promotion for the two float types: a 0-d tensor takes the other operand's
    /// dtype; otherwise float32 meets float64 in float64.
    /// </summary>
    internal static (Tensor, Tensor) Promote(Tensor a, Tensor b)
    {
        a.ThrowIfSparse();
        b.ThrowIfSparse();
        if (a.DType == b.DType) return (a, b);
        if (!a.IsFloatingPoint || !b.IsFloatingPoint)
            throw new NotSupportedException($"operation between {a.DType.TorchName()} and {b.DType.TorchName()} tensors is not supported");
        if (b.Dim == 0 && a.Dim > 0) return (a, b.To(a.DType));
        if (a.Dim == 0 && b.Dim > 0) return (a.To(b.DType), b);
        return (a.To(DType.Float64), b.To(DType.Float64));
    }

    /// <summary>Casts <paramref name="other"/> to this tensor's dtype for an in-place op, checking it broadcasts to this shape.</summary>
    private Tensor PrepareInPlaceOperand(Tensor other)
    {
        ThrowIfSparse();
        other.ThrowIfSparse();
        var shape = ShapeUtil.Broadcast(_shape, other._shape);
        if (!ShapeUtil.SameShape(shape, _shape))
            throw new ArgumentException($"output with shape {ShapeUtil.Format(_shape)} doesn't match the broadcast shape {ShapeUtil.Format(shape)}");
        return other.DType == DType ? other : other.To(DType);
    }

    /// <summary>
    /// The in-place protocol. Without autograd the kernel writes straight into this tensor's
    /// storage. Under autograd the op is recorded out of place on a snapshot that carries this
    /// tensor's old history (so saved values are not overwritten), and the result is copied back
    /// and becomes this tensor's history, as PyTorch rebases a tensor after an in-place op.
    /// </summary>
    private Tensor InPlace(Func<Tensor, Tensor> recordedOutOfPlace, Action direct, Tensor? other = null, Tensor? other2 = null)
    {
        if (!Graph.NeedsGrad(this, other, other2))
        {
            ThrowIfSparse();
            direct();
            Storage.Version++;
            return this;
        }
        if (IsLeaf && RequiresGrad)
            throw new InvalidOperationException("a leaf Variable that requires grad is being used in an in-place operation.");
        if (ViewBase is { } viewBase)
        {
            // Writing through a view changes its base too. PyTorch rebases the base's history
            // (CopySlices); this layer does not, so refuse rather than leave the base with a
            // history that no longer produces its values (a silently wrong gradient).
            if (viewBase.IsLeaf && viewBase.RequiresGrad)
                throw new InvalidOperationException("a view of a leaf Variable that requires grad is being used in an in-place operation.");
            throw new NotSupportedException(
                "an in-place operation on a view (reshape, view, narrow, select, indexing) is not supported while autograd records it: " +
                "apply it to the base tensor, or out of place.");
        }
        var snapshot = new Tensor(Storage.Allocate(DType, Numel), (int[])_shape.Clone());
        CopyElements(this, snapshot);
        snapshot.GradFn = GradFn;
        var result = recordedOutOfPlace(snapshot);
        if (!ShapeUtil.SameShape(result._shape, _shape))
            throw new ArgumentException($"output with shape {ShapeUtil.Format(_shape)} doesn't match the broadcast shape {ShapeUtil.Format(result._shape)}");
        CopyElements(result.DType == DType ? result : result.To(DType), this);
        Storage.Version++;
        GradFn = result.GradFn;
        return this;
    }

    private static void CopyElements(Tensor src, Tensor dst)
    {
        switch (dst.DType)
        {
            case DType.Float32: src.Span<float>().CopyTo(dst.Span<float>()); break;
            case DType.Float64: src.Span<double>().CopyTo(dst.Span<double>()); break;
            case DType.Int64: src.Span<long>().CopyTo(dst.Span<long>()); break;
            case DType.Bool: src.Span<bool>().CopyTo(dst.Span<bool>()); break;
        }
    }
}
