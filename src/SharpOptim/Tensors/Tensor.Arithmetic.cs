using SharpOptim.Autograd;

namespace SharpOptim;

// Add, sub, mul, div (tensor and scalar, with alpha) and their in-place forms, with autograd.
public partial class Tensor
{
    /// <summary>
    /// <c>this + alpha * other</c>, broadcasting, as <c>torch.Tensor.add(other, alpha=alpha)</c>.
    /// A sparse operand needs this exact shape: dense + sparse is dense, sparse + sparse is an
    /// uncoalesced sparse tensor.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast (or, with a sparse operand, differ).</exception>
    /// <exception cref="InvalidOperationException">A sparse tensor plus a dense one (PyTorch's message: use dense + sparse).</exception>
    public Tensor Add(Tensor other, double alpha = 1)
    {
        if (IsSparse || other.IsSparse) return SparseAwareAdd(other, alpha);
        var (a, b) = Promote(this, other);
        var r = a.NewLike(ShapeUtil.Broadcast(a._shape, b._shape));
        AddScaledInto(a, b, alpha, r, subtract: false);
        if (Graph.NeedsGrad(this, other))
        {
            int[] sa = _shape, sb = other._shape;
            Graph.Record(r, "AddBackward0", g => [g.SumToShape(sa), (alpha == 1 ? g : g.Mul(alpha)).SumToShape(sb)], this, other);
        }
        return r;
    }

    /// <summary><c>this - alpha * other</c>, broadcasting, as <c>torch.Tensor.sub(other, alpha=alpha)</c>; sparse operands as in <see cref="Add(Tensor, double)"/>.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public Tensor Sub(Tensor other, double alpha = 1)
    {
        if (IsSparse || other.IsSparse) return SparseAwareAdd(other, -alpha);
        var (a, b) = Promote(this, other);
        var r = a.NewLike(ShapeUtil.Broadcast(a._shape, b._shape));
        AddScaledInto(a, b, alpha, r, subtract: true);
        if (Graph.NeedsGrad(this, other))
        {
            int[] sa = _shape, sb = other._shape;
            Graph.Record(r, "SubBackward0", g => [g.SumToShape(sa), g.Mul(-alpha).SumToShape(sb)], this, other);
        }
        return r;
    }

    /// <summary>
    /// Element-wise product <c>this * other</c>, broadcasting, as <c>torch.Tensor.mul</c>. A sparse
    /// tensor may be multiplied by a one-element dense tensor (a scale), which keeps it sparse.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    /// <exception cref="NotSupportedException">An int64 or bool operand, or a sparse tensor times anything but a one-element dense tensor.</exception>
    public Tensor Mul(Tensor other)
    {
        if (IsSparse) return SparseMul(other);
        var r = BinaryOut<MulOp>(this, other);
        if (Graph.NeedsGrad(this, other))
        {
            Tensor a = this, b = other;
            // As PyTorch, each operand is saved only for the other's gradient, so overwriting a
            // factor that needs no gradient (an optimizer's state) later does not break backward.
            Graph.RecordSaving(r, "MulBackward0", [a.RequiresGrad ? b : null, b.RequiresGrad ? a : null], g => [a.RequiresGrad ? g.Mul(b.Detach()).SumToShape(a._shape) : null,
                                                  b.RequiresGrad ? g.Mul(a.Detach()).SumToShape(b._shape) : null], this, other);
        }
        return r;
    }

    /// <summary>
    /// Element-wise true division <c>this / other</c>, broadcasting, as <c>torch.Tensor.div</c> (no
    /// rounding mode): division by zero gives ±inf or NaN, as IEEE 754.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    /// <exception cref="NotSupportedException">An int64, bool or sparse operand.</exception>
    public Tensor Div(Tensor other)
    {
        var r = BinaryOut<DivOp>(this, other);
        if (Graph.NeedsGrad(this, other))
        {
            Tensor a = this, b = other;
            Graph.RecordSaving(r, "DivBackward0", [this, other], g => [a.RequiresGrad ? g.Div(b.Detach()).SumToShape(a._shape) : null,
                                                  b.RequiresGrad ? g.Neg().Mul(a.Detach()).Div(b.Detach().Mul(b.Detach())).SumToShape(b._shape) : null], this, other);
        }
        return r;
    }

    /// <summary><c>this + scalar</c> element-wise, as <c>torch.Tensor.add</c> with a Python number; same shape and dtype.</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Add(double scalar)
    {
        var r = BinaryScalarOut<AddOp>(this, scalar);
        return Graph.NeedsGrad(this) ? Graph.Record(r, "AddBackward1", g => [g], this) : r;
    }

    /// <summary><c>this - scalar</c> element-wise, as <c>torch.Tensor.sub</c> with a Python number; same shape and dtype.</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Sub(double scalar)
    {
        var r = BinaryScalarOut<SubOp>(this, scalar);
        return Graph.NeedsGrad(this) ? Graph.Record(r, "SubBackward1", g => [g], this) : r;
    }

    /// <summary><c>this * scalar</c> element-wise, as <c>torch.Tensor.mul</c> with a Python number; same shape and dtype. A sparse tensor stays sparse.</summary>
    /// <exception cref="NotSupportedException">An int64 or bool tensor.</exception>
    public Tensor Mul(double scalar)
    {
        if (IsSparse) return SparseScale(scalar);
        var r = BinaryScalarOut<MulOp>(this, scalar);
        return Graph.NeedsGrad(this) ? Graph.MarkSavesValues(Graph.Record(r, "MulBackward1", g => [g.Mul(scalar)], this)) : r;
    }

    /// <summary><c>this / scalar</c> element-wise, as <c>torch.Tensor.div</c> with a Python number; same shape and dtype.</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Div(double scalar)
    {
        var r = BinaryScalarOut<DivOp>(this, scalar);
        return Graph.NeedsGrad(this) ? Graph.MarkSavesValues(Graph.Record(r, "DivBackward1", g => [g.Div(scalar)], this)) : r;
    }

    /// <summary><c>scalar - this</c> element-wise, as <c>torch.rsub</c> (Python's <c>number - tensor</c>).</summary>
    public Tensor RSub(double scalar)
    {
        var r = BinaryScalarOut<SubOp>(this, scalar, scalarFirst: true);
        return Graph.NeedsGrad(this) ? Graph.Record(r, "RsubBackward1", g => [g.Neg()], this) : r;
    }

    /// <summary>
    /// <c>scalar / this</c> as Python evaluates it: PyTorch's <c>Tensor.__rtruediv__</c> is
    /// <c>this.reciprocal() * scalar</c>, two roundings (about a quarter of the results differ from
    /// one rounded division; tools/golden/number_div_tensor.py), and autograd records the two ops.
    /// The one home of this rule: the <c>double / Tensor</c> operator and the number-or-tensor types
    /// (<c>PyNumber</c>, <c>FloatOrTensor</c>) divide through it, and <c>HyperScalar</c> rounds its
    /// element the same way.
    /// </summary>
    public Tensor RDiv(double scalar) => Reciprocal().Mul(scalar);

    // ---------------------------------------------------------------- in place

    /// <summary>
    /// In-place <c>this += alpha * other</c>, as <c>torch.Tensor.add_</c>; <paramref name="other"/>
    /// must broadcast to this shape. Adding a sparse <paramref name="other"/> to a dense tensor
    /// scatters its entries (duplicates summed); a sparse tensor accepts a sparse operand of its shape.
    /// </summary>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentException"><paramref name="other"/> does not broadcast to this shape (or, sparse, differs from it).</exception>
    /// <exception cref="InvalidOperationException">Under autograd, this tensor is a leaf that requires grad.</exception>
    public Tensor Add_(Tensor other, double alpha = 1)
    {
        if (other.IsSparse && !IsSparse && !Graph.NeedsGrad(this, other)) return AddSparseInto_(other, alpha);
        if (IsSparse) return SparseAdd_(other, alpha);
        var o = PrepareInPlaceOperand(other);
        return InPlace(s => s.Add(o, alpha), () => AddScaledInto(this, o, alpha, this, subtract: false), o);
    }

    /// <summary>In-place <c>this -= alpha * other</c>, as <c>torch.Tensor.sub_</c>; see <see cref="Add_(Tensor, double)"/>.</summary>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentException"><paramref name="other"/> does not broadcast to this shape.</exception>
    /// <exception cref="InvalidOperationException">Under autograd, this tensor is a leaf that requires grad.</exception>
    public Tensor Sub_(Tensor other, double alpha = 1)
    {
        if (other.IsSparse || IsSparse) return Add_(other, -alpha);
        var o = PrepareInPlaceOperand(other);
        return InPlace(s => s.Sub(o, alpha), () => AddScaledInto(this, o, alpha, this, subtract: true), o);
    }

    /// <summary>In-place element-wise <c>this *= other</c>, as <c>torch.Tensor.mul_</c>; <paramref name="other"/> must broadcast to this shape.</summary>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentException"><paramref name="other"/> does not broadcast to this shape.</exception>
    /// <exception cref="InvalidOperationException">Under autograd, this tensor is a leaf that requires grad.</exception>
    public Tensor Mul_(Tensor other)
    {
        var o = PrepareInPlaceOperand(other);
        return InPlace(s => s.Mul(o), () => BinaryInto<MulOp>(this, o, this), o);
    }

    /// <summary>In-place element-wise <c>this /= other</c>, as <c>torch.Tensor.div_</c>; <paramref name="other"/> must broadcast to this shape.</summary>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentException"><paramref name="other"/> does not broadcast to this shape.</exception>
    /// <exception cref="InvalidOperationException">Under autograd, this tensor is a leaf that requires grad.</exception>
    public Tensor Div_(Tensor other)
    {
        var o = PrepareInPlaceOperand(other);
        return InPlace(s => s.Div(o), () => BinaryInto<DivOp>(this, o, this), o);
    }

    /// <summary>In-place <c>this += scalar</c>, as <c>torch.Tensor.add_</c> with a Python number.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Add_(double scalar) => InPlace(s => s.Add(scalar), () => BinaryScalarInto<AddOp>(this, scalar, this));

    /// <summary>In-place <c>this -= scalar</c>, as <c>torch.Tensor.sub_</c> with a Python number.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Sub_(double scalar) => InPlace(s => s.Sub(scalar), () => BinaryScalarInto<SubOp>(this, scalar, this));

    /// <summary>In-place <c>this *= scalar</c>, as <c>torch.Tensor.mul_</c> with a Python number; a sparse tensor scales its values.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Mul_(double scalar)
    {
        if (IsSparse) return SparseScale_(scalar);
        return InPlace(s => s.Mul(scalar), () => BinaryScalarInto<MulOp>(this, scalar, this));
    }

    /// <summary>In-place <c>this /= scalar</c>, as <c>torch.Tensor.div_</c> with a Python number.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Div_(double scalar) => InPlace(s => s.Div(scalar), () => BinaryScalarInto<DivOp>(this, scalar, this));

    // ---------------------------------------------------------------- operators

    /// <summary><c>a + b</c>: <see cref="Add(Tensor, double)"/>, broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    /// <summary><c>a + b</c>: <see cref="Add(double)"/>.</summary>
    public static Tensor operator +(Tensor a, double b) => a.Add(b);
    /// <summary><c>a + b</c>: <see cref="Add(double)"/> on <paramref name="b"/>.</summary>
    public static Tensor operator +(double a, Tensor b) => b.Add(a);
    /// <summary><c>a - b</c>: <see cref="Sub(Tensor, double)"/>, broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    /// <summary><c>a - b</c>: <see cref="Sub(double)"/>.</summary>
    public static Tensor operator -(Tensor a, double b) => a.Sub(b);
    /// <summary><c>a - b</c>: <see cref="RSub"/> (PyTorch's <c>__rsub__</c>).</summary>
    public static Tensor operator -(double a, Tensor b) => b.RSub(a);
    /// <summary><c>a * b</c>: <see cref="Mul(Tensor)"/>, element-wise and broadcasting (not a matrix product; see <see cref="Matmul"/>).</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    /// <summary><c>a * b</c>: <see cref="Mul(double)"/>.</summary>
    public static Tensor operator *(Tensor a, double b) => a.Mul(b);
    /// <summary><c>a * b</c>: <see cref="Mul(double)"/> on <paramref name="b"/>.</summary>
    public static Tensor operator *(double a, Tensor b) => b.Mul(a);
    /// <summary><c>a / b</c>: <see cref="Div(Tensor)"/>, broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    /// <summary><c>a / b</c>: <see cref="Div(double)"/>.</summary>
    public static Tensor operator /(Tensor a, double b) => a.Div(b);
    /// <summary><c>a / b</c>: <see cref="RDiv"/>, rounded as Python's <c>number / tensor</c> (PyTorch's <c>__rtruediv__</c>).</summary>
    public static Tensor operator /(double a, Tensor b) => b.RDiv(a);
    /// <summary><c>-a</c>: <see cref="Neg"/>.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();

    private static void AddScaledInto(Tensor a, Tensor b, double alpha, Tensor dst, bool subtract)
    {
        var ma = BroadcastMap.Create(a._shape, dst._shape);
        var mb = BroadcastMap.Create(b._shape, dst._shape);
        if (subtract) alpha = -alpha;
        switch (dst.DType)
        {
            case DType.Float32: ElementKernels.AddScaled(a.Span<float>(), ma, b.Span<float>(), mb, (float)alpha, dst.Span<float>()); break;
            case DType.Float64: ElementKernels.AddScaled(a.Span<double>(), ma, b.Span<double>(), mb, alpha, dst.Span<double>()); break;
            default: throw NotFloating(dst, "add");
        }
    }

    /// <summary>
    /// Sums a broadcast gradient back down to <paramref name="shape"/> (the adjoint of
    /// broadcasting), as PyTorch's <c>sum_to_size</c> sums: to one element or over leading dims
    /// (a bias's gradient) in its sum's order (<see cref="CascadeSum"/>); other broadcasts element by element.
    /// </summary>
    internal Tensor SumToShape(int[] shape)
    {
        if (ShapeUtil.SameShape(_shape, shape)) return this;
        var r = NewLike(shape);
        var map = BroadcastMap.Create(shape, _shape);
        if (IsFloatingPoint && (map.Kind == BroadcastMap.MapKind.Scalar || (map.Kind == BroadcastMap.MapKind.Suffix && map.Period > 0)))
        {
            int cols = map.Kind == BroadcastMap.MapKind.Scalar ? 1 : map.Period;
            if (DType == DType.Float32) SumLeading(Span<float>(), cols, r.Span<float>());
            else SumLeading(Span<double>(), cols, r.Span<double>());
            return r;
        }
        switch (DType)
        {
            case DType.Float32: ElementKernels.ReduceInto(Span<float>(), map, r.Span<float>()); break;
            case DType.Float64: ElementKernels.ReduceInto(Span<double>(), map, r.Span<double>()); break;
            default: throw NotFloating(this, "sum");
        }
        return r;

        static void SumLeading<T>(ReadOnlySpan<T> x, int cols, Span<T> dst) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            if (cols == 1) dst[0] = CascadeSum.Sum(x);
            else CascadeSum.ColumnSums(x, x.Length / cols, cols, dst);
        }
    }
}
