using SharpOptim.Autograd;

namespace SharpOptim;

// Views that share storage (reshape, flatten, dim-0 slices), copies, casts and fills.
public partial class Tensor
{
    /// <summary>
    /// The same elements with a new shape, sharing storage, as <c>torch.Tensor.reshape</c>: one
    /// dimension may be -1 and is inferred, e.g. <c>x.Reshape(x.Size(0), -1)</c>. Recorded by
    /// autograd; writing into the result writes into this tensor.
    /// </summary>
    /// <exception cref="ArgumentException">The element counts differ, more than one -1, or a negative size.</exception>
    /// <exception cref="NotSupportedException">A sparse tensor.</exception>
    public Tensor Reshape(params int[] shape)
    {
        ThrowIfSparse();
        var newShape = ShapeUtil.InferShape(shape, Numel);
        var r = AsViewOf(new Tensor(Storage, Offset, newShape));
        if (!Graph.NeedsGrad(this)) return r;
        var old = _shape;
        return Graph.Record(r, "ViewBackward0", g => [g.Reshape(old)], this);
    }

    /// <summary>As <c>torch.Tensor.view</c>: the same as <see cref="Reshape"/>, because every tensor here is contiguous, so a view always exists.</summary>
    /// <exception cref="ArgumentException">The element counts differ, more than one -1, or a negative size.</exception>
    public Tensor View(params int[] shape) => Reshape(shape);

    /// <summary>A view with <paramref name="other"/>'s shape, as PyTorch's <c>view_as</c>; the element counts must agree.</summary>
    public Tensor ViewAs(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Reshape(other._shape);
    }

    /// <summary>
    /// A view with dims <paramref name="startDim"/>..<paramref name="endDim"/> (negative counting
    /// from the end) merged into one, as <c>torch.flatten</c>; by default all of them (1-D). A 0-d
    /// tensor becomes 1-D with one element.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A dim outside the tensor's dims.</exception>
    /// <exception cref="ArgumentException"><paramref name="startDim"/> comes after <paramref name="endDim"/>.</exception>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        int start = ShapeUtil.NormalizeDim(startDim, Dim), end = ShapeUtil.NormalizeDim(endDim, Dim);
        if (start > end) throw new ArgumentException("flatten() has invalid args: start_dim cannot come after end_dim");
        if (Dim == 0) return Reshape(1);
        int merged = 1;
        for (int d = start; d <= end; d++) merged *= _shape[d];
        return Reshape([.. _shape[..start], merged, .. _shape[(end + 1)..]]);
    }

    /// <summary>Elements <c>[start, start+length)</c> along dimension 0, sharing storage.</summary>
    public Tensor Narrow(int dim, int start, int length)
    {
        ThrowIfSparse();
        if (Dim == 0) throw new ArgumentException("narrow() cannot be applied to a 0-dim tensor.");
        if (ShapeUtil.NormalizeDim(dim, Dim) != 0)
            throw new NotSupportedException("only narrowing along dimension 0 is supported (it is the only one that keeps a view contiguous)");
        if (start < 0) start += _shape[0];
        if (start < 0 || length < 0 || start + length > _shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"start ({start}) + length ({length}) exceeds dimension size ({_shape[0]}).");
        int inner = _shape[0] == 0 ? 0 : Numel / _shape[0];
        var shape = (int[])_shape.Clone();
        shape[0] = length;
        var r = AsViewOf(new Tensor(Storage, Offset + start * inner, shape));
        if (!Graph.NeedsGrad(this)) return r;
        var full = _shape;
        return Graph.Record(r, "NarrowBackward0", g =>
        {
            var z = g.NewLike(full);
            z.Narrow(0, start, length).Copy_(g);
            return [z];
        }, this);
    }

    /// <summary>A 1-D slice <c>[start, end)</c> sharing storage, like <c>t[start:end]</c>.</summary>
    public Tensor Slice(int start, int end) => Narrow(0, start, end - start);

    /// <summary>Row <paramref name="index"/> along dimension 0, sharing storage, like <c>t[i]</c>.</summary>
    public Tensor Select(int index)
    {
        if (Dim == 0) throw new ArgumentException("select() cannot be applied to a 0-dim tensor.");
        if (index < -_shape[0] || index >= _shape[0])
            throw new IndexOutOfRangeException($"index {index} is out of bounds for dimension 0 with size {_shape[0]}");
        if (index < 0) index += _shape[0];
        return Narrow(0, index, 1).Reshape(_shape[1..]);
    }

    /// <summary>Row <paramref name="index"/> along dimension 0 (see <see cref="Select"/>).</summary>
    [System.Runtime.CompilerServices.IndexerName("Row")]
    public Tensor this[int index] => Select(index);

    /// <summary>A copy with its own storage. Recorded by autograd (the gradient passes through unchanged).</summary>
    public Tensor Clone() => Clone(recordGraph: true);

    internal Tensor Clone(bool recordGraph)
    {
        if (IsSparse) return SparseClone();
        var r = NewLike();
        CopyElements(this, r);
        if (!recordGraph || !Graph.NeedsGrad(this)) return r;
        return Graph.Record(r, "CloneBackward0", g => [g], this);
    }

    /// <summary>This tensor converted to <paramref name="dtype"/> (itself when it already has that dtype).</summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType) return this;
        ThrowIfSparse();
        var r = NewLike(dtype: dtype);
        ConvertElements(this, r);
        if (!Graph.NeedsGrad(this) || !dtype.IsFloatingPoint()) return r;
        var from = DType;
        return Graph.Record(r, "ToCopyBackward0", g => [g.To(from)], this);
    }

    /// <summary>This tensor as float32, as <c>torch.Tensor.float()</c>: itself when already float32, else a converted copy (recorded by autograd between float types).</summary>
    /// <exception cref="NotSupportedException">A sparse tensor that is not float32.</exception>
    public Tensor Float() => To(DType.Float32);

    /// <summary>This tensor as float64, as <c>torch.Tensor.double()</c>: itself when already float64, else a converted copy (recorded by autograd between float types).</summary>
    /// <exception cref="NotSupportedException">A sparse tensor that is not float64.</exception>
    public Tensor Double() => To(DType.Float64);

    private static void ConvertElements(Tensor src, Tensor dst)
    {
        if (src.DType == dst.DType) { CopyElements(src, dst); return; }
        switch (src.DType, dst.DType)
        {
            case (DType.Float64, DType.Float32): { var s = src.Span<double>(); var d = dst.Span<float>(); for (int i = 0; i < s.Length; i++) d[i] = (float)s[i]; return; }
            case (DType.Float32, DType.Float64): { var s = src.Span<float>(); var d = dst.Span<double>(); for (int i = 0; i < s.Length; i++) d[i] = s[i]; return; }
        }
        for (int i = 0; i < src.Numel; i++) dst.SetFromDouble(i, src.GetAsDouble(i));
    }

    /// <summary>Copies <paramref name="src"/> (broadcast, cast) into this tensor.</summary>
    public Tensor Copy_(Tensor src)
    {
        if (src.IsSparse) src = src.ToDense();
        var s = src;
        return InPlace(snap => CopyRecorded(snap, s), () => CopyInto(s, this), src);
    }

    private static Tensor CopyRecorded(Tensor self, Tensor src)
    {
        var r = self.NewLike();
        CopyInto(src, r);
        var shape = src._shape;
        var dtype = src.DType;
        return Graph.Record(r, "CopyBackwards", g => [null, g.SumToShape(shape).To(dtype)], self, src);
    }

    private static void CopyInto(Tensor src, Tensor dst)
    {
        if (ShapeUtil.SameShape(src._shape, dst._shape)) { ConvertElements(src, dst); return; }
        CheckBroadcastsTo(src, dst);
        var converted = src.DType == dst.DType ? src : src.To(dst.DType);
        var map = BroadcastMap.Create(src._shape, dst._shape);
        for (int i = 0; i < dst.Numel; i++) dst.SetFromDouble(i, converted.GetAsDouble(map[i]));
    }

    /// <summary>Sets every element to zero.</summary>
    public Tensor Zero_()
    {
        if (IsSparse) return SparseZero_();
        return Fill_(0);
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor Fill_(double value)
    {
        return InPlace(snap =>
        {
            var r = snap.NewLike();
            r.FillDirect(value);
            return Graph.Record(r, "FillBackward0", g => [Torch.ZerosLike(g)], snap);
        }, () => FillDirect(value));
    }

    private void FillDirect(double value)
    {
        switch (DType)
        {
            case DType.Float32: Span<float>().Fill((float)value); break;
            case DType.Float64: Span<double>().Fill(value); break;
            case DType.Int64: Span<long>().Fill((long)value); break;
            case DType.Bool: Span<bool>().Fill(value != 0); break;
        }
    }

    /// <summary>The transpose of a 2-D tensor (a copy: every tensor here is contiguous). A 0-d or 1-D tensor is returned as is.</summary>
    public Tensor T()
    {
        ThrowIfSparse();
        if (Dim < 2) return this;
        if (Dim > 2) throw new ArgumentException($"t() expects a tensor with <= 2 dimensions, but self is {Dim}D");
        var r = TransposedCopy();
        if (!Graph.NeedsGrad(this)) return r;
        return Graph.Record(r, "TBackward0", g => [g.T()], this);
    }

    /// <summary>The transpose of a 2-D tensor of any dtype as a new contiguous tensor, not recorded.</summary>
    internal Tensor TransposedCopy()
    {
        int rows = _shape[0], cols = _shape[1];
        var r = NewLike([cols, rows]);
        switch (DType)
        {
            case DType.Float32: Transpose(Span<float>(), r.Span<float>(), rows, cols); break;
            case DType.Float64: Transpose(Span<double>(), r.Span<double>(), rows, cols); break;
            case DType.Int64: Transpose(Span<long>(), r.Span<long>(), rows, cols); break;
            default: Transpose(Span<bool>(), r.Span<bool>(), rows, cols); break;
        }
        return r;

        static void Transpose<T>(ReadOnlySpan<T> src, Span<T> dst, int rows, int cols)
        {
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
        }
    }
}
