using SharpOptim.Autograd;

namespace SharpOptim;

// Unary math, activations, addcmul/addcdiv/lerp, clamp, maximum/minimum, where, comparisons.
public partial class Tensor
{
    /// <summary><c>-this</c> element-wise, as <c>torch.Tensor.neg</c>; a sparse tensor stays sparse.</summary>
    /// <exception cref="NotSupportedException">An int64 or bool tensor.</exception>
    public Tensor Neg()
    {
        if (IsSparse) return SparseScale(-1);
        var r = UnaryOut<NegOp>(this);
        return Graph.NeedsGrad(this) ? Graph.Record(r, "NegBackward0", g => [g.Neg()], this) : r;
    }

    /// <summary><c>e^x</c> element-wise, as <c>torch.Tensor.exp</c>; same shape and dtype.</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Exp()
    {
        var r = UnaryOut<ExpOp>(this);
        if (!Graph.NeedsGrad(this)) return r;
        var saved = r.Detach();
        return Graph.RecordSaving(r, "ExpBackward0", [saved], g => [g.Mul(saved)], this);
    }

    /// <summary>Natural logarithm element-wise, as <c>torch.Tensor.log</c>: <c>-inf</c> at 0, NaN below 0.</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Log()
    {
        var r = UnaryOut<LogOp>(this);
        if (!Graph.NeedsGrad(this)) return r;
        var x = Detach();
        return Graph.RecordSaving(r, "LogBackward0", [x], g => [g.Div(x)], this);
    }

    /// <summary>Square root element-wise, as <c>torch.Tensor.sqrt</c>: NaN below 0 (<c>-0.0</c> stays <c>-0.0</c>).</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Sqrt()
    {
        var r = UnaryOut<SqrtOp>(this);
        if (!Graph.NeedsGrad(this)) return r;
        var saved = r.Detach();
        return Graph.RecordSaving(r, "SqrtBackward0", [saved], g => [g.Div(saved.Mul(2))], this);
    }

    /// <summary><c>1 / sqrt(x)</c> element-wise, as <c>torch.Tensor.rsqrt</c>: <c>+inf</c> at 0, NaN below 0.</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Rsqrt()
    {
        var r = UnaryOut<RsqrtOp>(this);
        if (!Graph.NeedsGrad(this)) return r;
        var saved = r.Detach();
        return Graph.RecordSaving(r, "RsqrtBackward0", [saved], g => [g.Mul(saved.Mul(saved).Mul(saved)).Mul(-0.5)], this);
    }

    /// <summary>Absolute value element-wise, as <c>torch.Tensor.abs</c>; its gradient is <c>sign(x)</c> (0 at 0).</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Abs()
    {
        var r = UnaryOut<AbsOp>(this);
        if (!Graph.NeedsGrad(this)) return r;
        var x = Detach();
        return Graph.RecordSaving(r, "AbsBackward0", [x], g => [g.Mul(x.Sign())], this);
    }

    /// <summary>-1, 0 or +1 element-wise, as <c>torch.Tensor.sign</c> (0 for ±0 and for NaN, as PyTorch's CPU kernel); its gradient is zero.</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Sign()
    {
        var r = UnaryOut<SignOp>(this);
        if (!Graph.NeedsGrad(this)) return r;
        return Graph.Record(r, "SignBackward0", g => [Torch.ZerosLike(g)], this);
    }

    /// <summary><c>x * x</c> element-wise, as <c>torch.Tensor.square</c> (recorded as <c>PowBackward0</c>, as PyTorch's <c>pow(x, 2)</c>).</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Square()
    {
        var r = UnaryOut<SquareOp>(this);
        if (!Graph.NeedsGrad(this)) return r;
        var x = Detach();
        return Graph.RecordSaving(r, "PowBackward0", [x], g => [g.Mul(x.Mul(2))], this);
    }

    /// <summary><c>1 / x</c> element-wise, as <c>torch.Tensor.reciprocal</c>: ±inf at ±0.</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Reciprocal()
    {
        var r = UnaryOut<ReciprocalOp>(this);
        if (!Graph.NeedsGrad(this)) return r;
        var saved = r.Detach();
        return Graph.RecordSaving(r, "ReciprocalBackward0", [saved], g => [g.Neg().Mul(saved.Mul(saved))], this);
    }

    /// <summary><c>x ^ exponent</c> element-wise, as <c>torch.Tensor.pow</c> with a Python number (IEEE <c>pow</c>: NaN for a negative base and a non-integer exponent).</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Pow(double exponent)
    {
        var r = BinaryScalarOut<PowOp>(this, exponent);
        if (!Graph.NeedsGrad(this)) return r;
        var x = Detach();
        return Graph.RecordSaving(r, "PowBackward0", [x], g => [exponent == 0 ? Torch.ZerosLike(x) : g.Mul(x.Pow(exponent - 1).Mul(exponent))], this);
    }

    /// <summary>Hyperbolic tangent element-wise, as <c>torch.Tensor.tanh</c>; the gradient is computed from the output, as PyTorch's <c>tanh_backward</c>.</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Tanh()
    {
        var r = UnaryOut<TanhOp>(this);
        if (!Graph.NeedsGrad(this)) return r;
        var y = r.Detach();
        return Graph.RecordSaving(r, "TanhBackward0", [y], g => [TanhBackward(g, y)], this);
    }

    /// <summary>Logistic function <c>1 / (1 + e^-x)</c> element-wise, as <c>torch.Tensor.sigmoid</c>; the gradient is computed from the output, as PyTorch's <c>sigmoid_backward</c>.</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Sigmoid()
    {
        var r = UnaryOut<SigmoidOp>(this);
        if (!Graph.NeedsGrad(this)) return r;
        var y = r.Detach();
        return Graph.RecordSaving(r, "SigmoidBackward0", [y], g => [SigmoidBackward(g, y)], this);
    }

    /// <summary>PyTorch's <c>tanh_backward(g, y)</c>: <c>g·(1 − y²)</c>, with <c>1 − y²</c> rounded once (an addcmul onto ones).</summary>
    internal static Tensor TanhBackward(Tensor g, Tensor y) => g.Mul(Torch.OnesLike(y).Addcmul_(y, y, value: -1));

    /// <summary>PyTorch's <c>sigmoid_backward(g, y)</c>: <c>(g·(1 − y))·y</c>, in that order.</summary>
    internal static Tensor SigmoidBackward(Tensor g, Tensor y) => g.Mul(y.RSub(1)).Mul(y);

    /// <summary><c>max(x, 0)</c> element-wise, as <c>torch.relu</c> (NaN passes through); the gradient is 1 where the output is positive, else 0.</summary>
    /// <exception cref="NotSupportedException">An int64, bool or sparse tensor.</exception>
    public Tensor Relu()
    {
        var r = ReluOut(this);
        if (!Graph.NeedsGrad(this)) return r;
        var y = r.Detach();
        Graph.RecordSaving(r, "ReluBackward0", [y], g => [ReluBackward(y, g)], this);
        return Graph.MarkFreshGradients(r);
    }

    /// <summary>In-place <see cref="Neg"/>, as <c>torch.Tensor.neg_</c>; a sparse tensor negates its values.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Neg_() => IsSparse ? SparseScale_(-1) : InPlace(s => s.Neg(), () => UnaryInto<NegOp>(this, this));
    /// <summary>In-place <see cref="Exp"/>, as <c>torch.Tensor.exp_</c>.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Exp_() => InPlace(s => s.Exp(), () => UnaryInto<ExpOp>(this, this));
    /// <summary>In-place <see cref="Log"/>, as <c>torch.Tensor.log_</c>.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Log_() => InPlace(s => s.Log(), () => UnaryInto<LogOp>(this, this));
    /// <summary>In-place <see cref="Sqrt"/>, as <c>torch.Tensor.sqrt_</c>.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Sqrt_() => InPlace(s => s.Sqrt(), () => UnaryInto<SqrtOp>(this, this));
    /// <summary>In-place <see cref="Rsqrt"/>, as <c>torch.Tensor.rsqrt_</c>.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Rsqrt_() => InPlace(s => s.Rsqrt(), () => UnaryInto<RsqrtOp>(this, this));
    /// <summary>In-place <see cref="Abs"/>, as <c>torch.Tensor.abs_</c>.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Abs_() => InPlace(s => s.Abs(), () => UnaryInto<AbsOp>(this, this));
    /// <summary>In-place <see cref="Sign"/>, as <c>torch.Tensor.sign_</c>.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Sign_() => InPlace(s => s.Sign(), () => UnaryInto<SignOp>(this, this));
    /// <summary>In-place <see cref="Square"/>, as <c>torch.Tensor.square_</c>.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Square_() => InPlace(s => s.Square(), () => UnaryInto<SquareOp>(this, this));
    /// <summary>In-place <see cref="Reciprocal"/>, as <c>torch.Tensor.reciprocal_</c>.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Reciprocal_() => InPlace(s => s.Reciprocal(), () => UnaryInto<ReciprocalOp>(this, this));
    /// <summary>In-place <see cref="Tanh"/>, as <c>torch.Tensor.tanh_</c>.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Tanh_() => InPlace(s => s.Tanh(), () => UnaryInto<TanhOp>(this, this));
    /// <summary>In-place <see cref="Sigmoid"/>, as <c>torch.Tensor.sigmoid_</c>.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Sigmoid_() => InPlace(s => s.Sigmoid(), () => UnaryInto<SigmoidOp>(this, this));
    /// <summary>In-place <see cref="Relu"/>, as <c>torch.relu_</c>.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Relu_() => InPlace(s => s.Relu(), () => UnaryInto<ReluOp>(this, this));
    /// <summary>In-place <see cref="Pow(double)"/>, as <c>torch.Tensor.pow_</c> with a Python number.</summary>
    /// <returns>This tensor.</returns>
    public Tensor Pow_(double exponent) => InPlace(s => s.Pow(exponent), () => BinaryScalarInto<PowOp>(this, exponent, this));

    // ---------------------------------------------------------------- addcmul / addcdiv / lerp

    /// <summary><c>this + value * t1 * t2</c>.</summary>
    public Tensor Addcmul(Tensor tensor1, Tensor tensor2, double value = 1)
    {
        var r = Clone(recordGraph: false);
        AddcInto(r, tensor1, tensor2, value, divide: false);
        if (!Graph.NeedsGrad(this, tensor1, tensor2)) return r;
        Tensor s = this, t1 = tensor1.Detach(), t2 = tensor2.Detach();
        return Graph.RecordSaving(r, "AddcmulBackward0", [t1, t2], g => [g,
            tensor1.RequiresGrad ? g.Mul(t2).Mul(value).SumToShape(t1._shape) : null,
            tensor2.RequiresGrad ? g.Mul(t1).Mul(value).SumToShape(t2._shape) : null], s, tensor1, tensor2);
    }

    /// <summary><c>this + value * t1 / t2</c>.</summary>
    public Tensor Addcdiv(Tensor tensor1, Tensor tensor2, double value = 1)
    {
        var r = Clone(recordGraph: false);
        AddcInto(r, tensor1, tensor2, value, divide: true);
        if (!Graph.NeedsGrad(this, tensor1, tensor2)) return r;
        Tensor s = this, t1 = tensor1.Detach(), t2 = tensor2.Detach();
        return Graph.RecordSaving(r, "AddcdivBackward0", [t1, t2], g => [g,
            tensor1.RequiresGrad ? g.Div(t2).Mul(value).SumToShape(t1._shape) : null,
            tensor2.RequiresGrad ? g.Neg().Mul(t1).Mul(value).Div(t2.Mul(t2)).SumToShape(t2._shape) : null], s, tensor1, tensor2);
    }

    /// <summary>
    /// In-place <c>this += value * tensor1 * tensor2</c>, as <c>torch.Tensor.addcmul_</c> (the
    /// optimizers' second-moment update); both operands must broadcast to this shape and are cast to
    /// this dtype.
    /// </summary>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentException">An operand does not broadcast to this shape.</exception>
    /// <exception cref="InvalidOperationException">Under autograd, this tensor is a leaf that requires grad.</exception>
    public Tensor Addcmul_(Tensor tensor1, Tensor tensor2, double value = 1)
    {
        var (t1, t2) = (PrepareInPlaceOperand(tensor1), PrepareInPlaceOperand(tensor2));
        return InPlace(s => s.Addcmul(t1, t2, value), () => AddcInto(this, t1, t2, value, divide: false), t1, t2);
    }

    /// <summary>
    /// In-place <c>this += value * tensor1 / tensor2</c>, as <c>torch.Tensor.addcdiv_</c> (Adam's
    /// parameter update); both operands must broadcast to this shape and are cast to this dtype.
    /// </summary>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentException">An operand does not broadcast to this shape.</exception>
    /// <exception cref="InvalidOperationException">Under autograd, this tensor is a leaf that requires grad.</exception>
    public Tensor Addcdiv_(Tensor tensor1, Tensor tensor2, double value = 1)
    {
        var (t1, t2) = (PrepareInPlaceOperand(tensor1), PrepareInPlaceOperand(tensor2));
        return InPlace(s => s.Addcdiv(t1, t2, value), () => AddcInto(this, t1, t2, value, divide: true), t1, t2);
    }

    private static void AddcInto(Tensor dst, Tensor t1, Tensor t2, double value, bool divide)
    {
        if (t1.DType != dst.DType) t1 = t1.To(dst.DType);
        if (t2.DType != dst.DType) t2 = t2.To(dst.DType);
        var m1 = BroadcastMap.Create(t1._shape, dst._shape);
        var m2 = BroadcastMap.Create(t2._shape, dst._shape);
        CheckBroadcastsTo(t1, dst);
        CheckBroadcastsTo(t2, dst);
        switch (dst.DType)
        {
            case DType.Float32:
                if (divide) ElementKernels.Addcdiv(dst.Span<float>(), t1.Span<float>(), m1, t2.Span<float>(), m2, (float)value, dst.Span<float>());
                else ElementKernels.Addcmul(dst.Span<float>(), t1.Span<float>(), m1, t2.Span<float>(), m2, (float)value, dst.Span<float>());
                break;
            case DType.Float64:
                if (divide) ElementKernels.Addcdiv(dst.Span<double>(), t1.Span<double>(), m1, t2.Span<double>(), m2, value, dst.Span<double>());
                else ElementKernels.Addcmul(dst.Span<double>(), t1.Span<double>(), m1, t2.Span<double>(), m2, value, dst.Span<double>());
                break;
            default: throw NotFloating(dst, divide ? "addcdiv" : "addcmul");
        }
    }

    private static void CheckBroadcastsTo(Tensor t, Tensor dst)
    {
        if (!ShapeUtil.SameShape(ShapeUtil.Broadcast(t._shape, dst._shape), dst._shape))
            throw new ArgumentException($"shape {ShapeUtil.Format(t._shape)} cannot be broadcast to {ShapeUtil.Format(dst._shape)}");
    }

    /// <summary>Linear interpolation <c>this + weight * (end - this)</c>, in PyTorch's two-branch form.</summary>
    public Tensor Lerp(Tensor end, double weight) => Lerp(end, Torch.Scalar(weight, DType));

    /// <summary>Linear interpolation with an element-wise (broadcast) weight.</summary>
    public Tensor Lerp(Tensor end, Tensor weight)
    {
        var r = Clone(recordGraph: false);
        LerpInto(r, end, weight);
        if (!Graph.NeedsGrad(this, end, weight)) return r;
        Tensor s = this, e = end.Detach(), w = weight.Detach(), sd = Detach();
        return Graph.RecordSaving(r, "LerpBackward0", [sd, e, w], g => [
            s.RequiresGrad ? g.Mul(w.RSub(1)).SumToShape(s._shape) : null,
            end.RequiresGrad ? g.Mul(w).SumToShape(e._shape) : null,
            weight.RequiresGrad ? g.Mul(e.Sub(sd)).SumToShape(w._shape) : null], this, end, weight);
    }

    /// <summary>
    /// In-place linear interpolation <c>this += weight * (end - this)</c>, as <c>torch.Tensor.lerp_</c>
    /// with a Python number (the moving averages of Adam and EMA), in PyTorch's two-branch form.
    /// </summary>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentException"><paramref name="end"/> does not broadcast to this shape.</exception>
    public Tensor Lerp_(Tensor end, double weight) => Lerp_(end, Torch.Scalar(weight, DType));

    /// <summary>In-place linear interpolation with an element-wise weight, as <c>torch.Tensor.lerp_</c>; <paramref name="end"/> and <paramref name="weight"/> must broadcast to this shape.</summary>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentException">An operand does not broadcast to this shape.</exception>
    public Tensor Lerp_(Tensor end, Tensor weight)
    {
        var (e, w) = (PrepareInPlaceOperand(end), PrepareInPlaceOperand(weight));
        return InPlace(s => s.Lerp(e, w), () => LerpInto(this, e, w), e, w);
    }

    private static void LerpInto(Tensor dst, Tensor end, Tensor weight)
    {
        if (end.DType != dst.DType) end = end.To(dst.DType);
        if (weight.DType != dst.DType) weight = weight.To(dst.DType);
        CheckBroadcastsTo(end, dst);
        CheckBroadcastsTo(weight, dst);
        var me = BroadcastMap.Create(end._shape, dst._shape);
        var mw = BroadcastMap.Create(weight._shape, dst._shape);
        switch (dst.DType)
        {
            case DType.Float32: ElementKernels.Lerp(dst.Span<float>(), end.Span<float>(), me, weight.Span<float>(), mw, dst.Span<float>()); break;
            case DType.Float64: ElementKernels.Lerp(dst.Span<double>(), end.Span<double>(), me, weight.Span<double>(), mw, dst.Span<double>()); break;
            default: throw NotFloating(dst, "lerp");
        }
    }

    // ---------------------------------------------------------------- clamp, maximum, minimum

    /// <summary>Clamps every element into [min, max]; either bound may be null. NaN stays NaN.</summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("At least one of 'min' or 'max' must not be None");
        var r = NewLike();
        ClampInto(this, min, max, r);
        if (!Graph.NeedsGrad(this)) return r;
        var x = Detach();
        return Graph.RecordSaving(r, "ClampBackward1", [x], g =>
        {
            var keep = Torch.OnesLike(x).Detach();
            if (min is double lo) keep = keep.Mul(x.Ge(lo).To(x.DType));
            if (max is double hi) keep = keep.Mul(x.Le(hi).To(x.DType));
            return [g.Mul(keep)];
        }, this);
    }

    /// <summary>In-place <see cref="Clamp"/>, as <c>torch.Tensor.clamp_</c>.</summary>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentException">Both bounds are null.</exception>
    public Tensor Clamp_(double? min = null, double? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("At least one of 'min' or 'max' must not be None");
        return InPlace(s => s.Clamp(min, max), () => ClampInto(this, min, max, this));
    }

    private static void ClampInto(Tensor x, double? min, double? max, Tensor dst)
    {
        switch (x.DType)
        {
            case DType.Float32: ElementKernels.Clamp(x.Span<float>(), (float?)min, (float?)max, dst.Span<float>()); break;
            case DType.Float64: ElementKernels.Clamp(x.Span<double>(), min, max, dst.Span<double>()); break;
            default: throw NotFloating(x, "clamp");
        }
    }

    /// <summary>Element-wise maximum (NaN-propagating). Where equal, the gradient is split evenly.</summary>
    public Tensor Maximum(Tensor other) => MinMax<MaximumOp>(other, "MaximumBackward0", greater: true);

    /// <summary>Element-wise minimum (NaN-propagating). Where equal, the gradient is split evenly.</summary>
    public Tensor Minimum(Tensor other) => MinMax<MinimumOp>(other, "MinimumBackward0", greater: false);

    private Tensor MinMax<TOp>(Tensor other, string name, bool greater) where TOp : IBinaryOp
    {
        var r = BinaryOut<TOp>(this, other);
        if (!Graph.NeedsGrad(this, other)) return r;
        Tensor a = Detach(), b = other.Detach();
        int[] sa = _shape, sb = other._shape;
        return Graph.RecordSaving(r, name, [a, b], g =>
        {
            var wins = (greater ? a.Gt(b) : a.Lt(b)).To(g.DType);
            var ties = a.Eq(b).To(g.DType).Mul(0.5);
            var share = wins.Add(ties);
            return [g.Mul(share).SumToShape(sa), g.Mul(share.RSub(1)).SumToShape(sb)];
        }, this, other);
    }

    // ---------------------------------------------------------------- comparisons and where

    /// <summary><c>this &gt; other</c> element-wise as a bool tensor, broadcasting, as <c>torch.Tensor.gt</c>. Float operands promote; int64 compares with int64. Not differentiable.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    /// <exception cref="NotSupportedException">A bool operand, or int64 against a float tensor.</exception>
    public Tensor Gt(Tensor other) => Compare(other, CompareKind.Gt);
    /// <summary><c>this &lt; other</c> element-wise as a bool tensor, as <c>torch.Tensor.lt</c>; see <see cref="Gt(Tensor)"/>.</summary>
    public Tensor Lt(Tensor other) => Compare(other, CompareKind.Lt);
    /// <summary><c>this &gt;= other</c> element-wise as a bool tensor, as <c>torch.Tensor.ge</c>; see <see cref="Gt(Tensor)"/>.</summary>
    public Tensor Ge(Tensor other) => Compare(other, CompareKind.Ge);
    /// <summary><c>this &lt;= other</c> element-wise as a bool tensor, as <c>torch.Tensor.le</c>; see <see cref="Gt(Tensor)"/>.</summary>
    public Tensor Le(Tensor other) => Compare(other, CompareKind.Le);
    /// <summary>
    /// <c>this == other</c> element-wise as a bool tensor, as <c>torch.Tensor.eq</c>; see
    /// <see cref="Gt(Tensor)"/>. <c>pred.Eq(target).Sum()</c> counts matching int64 labels.
    /// </summary>
    public Tensor Eq(Tensor other) => Compare(other, CompareKind.Eq);
    /// <summary><c>this != other</c> element-wise as a bool tensor, as <c>torch.Tensor.ne</c> (true where either is NaN); see <see cref="Gt(Tensor)"/>.</summary>
    public Tensor Ne(Tensor other) => Compare(other, CompareKind.Ne);
    /// <summary><c>this &gt; other</c> element-wise as a bool tensor, the scalar taken in this dtype, as <c>torch.Tensor.gt</c> with a Python number.</summary>
    /// <exception cref="NotSupportedException">A bool tensor.</exception>
    public Tensor Gt(double other) => Compare(Torch.Scalar(other, DType), CompareKind.Gt);
    /// <summary><c>this &lt; other</c> element-wise as a bool tensor, the scalar taken in this dtype, as <c>torch.Tensor.lt</c>.</summary>
    public Tensor Lt(double other) => Compare(Torch.Scalar(other, DType), CompareKind.Lt);
    /// <summary><c>this &gt;= other</c> element-wise as a bool tensor, the scalar taken in this dtype, as <c>torch.Tensor.ge</c>.</summary>
    public Tensor Ge(double other) => Compare(Torch.Scalar(other, DType), CompareKind.Ge);
    /// <summary><c>this &lt;= other</c> element-wise as a bool tensor, the scalar taken in this dtype, as <c>torch.Tensor.le</c>.</summary>
    public Tensor Le(double other) => Compare(Torch.Scalar(other, DType), CompareKind.Le);
    /// <summary><c>this == other</c> element-wise as a bool tensor, the scalar taken in this dtype, as <c>torch.Tensor.eq</c>.</summary>
    public Tensor Eq(double other) => Compare(Torch.Scalar(other, DType), CompareKind.Eq);
    /// <summary><c>this != other</c> element-wise as a bool tensor, the scalar taken in this dtype, as <c>torch.Tensor.ne</c>.</summary>
    public Tensor Ne(double other) => Compare(Torch.Scalar(other, DType), CompareKind.Ne);

    private Tensor Compare(Tensor other, CompareKind kind)
    {
        // Integer tensors compare among themselves (class labels against predictions).
        var (a, b) = DType == DType.Int64 && other.DType == DType.Int64 ? (this, other) : Promote(this, other);
        var shape = ShapeUtil.Broadcast(a._shape, b._shape);
        var r = new Tensor(Storage.Allocate(DType.Bool, ShapeUtil.Numel(shape)), shape);
        var ma = BroadcastMap.Create(a._shape, shape);
        var mb = BroadcastMap.Create(b._shape, shape);
        switch (a.DType)
        {
            case DType.Float32: ElementKernels.Compare(a.Span<float>(), ma, b.Span<float>(), mb, kind, r.Span<bool>()); break;
            case DType.Float64: ElementKernels.Compare(a.Span<double>(), ma, b.Span<double>(), mb, kind, r.Span<bool>()); break;
            case DType.Int64: ElementKernels.Compare(a.Span<long>(), ma, b.Span<long>(), mb, kind, r.Span<bool>()); break;
            default: throw NotFloating(a, kind.ToString().ToLowerInvariant());
        }
        return r;
    }

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> holds, else of <paramref name="b"/>.</summary>
    internal static Tensor WhereImpl(Tensor condition, Tensor a, Tensor b)
    {
        if (condition.DType != DType.Bool) throw new ArgumentException($"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.DType.TorchName()}");
        (a, b) = Promote(a, b);
        var shape = ShapeUtil.Broadcast(condition._shape, ShapeUtil.Broadcast(a._shape, b._shape));
        var r = a.NewLike(shape);
        var mc = BroadcastMap.Create(condition._shape, shape);
        var ma = BroadcastMap.Create(a._shape, shape);
        var mb = BroadcastMap.Create(b._shape, shape);
        switch (r.DType)
        {
            case DType.Float32: ElementKernels.Where(condition.Span<bool>(), mc, a.Span<float>(), ma, b.Span<float>(), mb, r.Span<float>()); break;
            case DType.Float64: ElementKernels.Where(condition.Span<bool>(), mc, a.Span<double>(), ma, b.Span<double>(), mb, r.Span<double>()); break;
            case DType.Int64: ElementKernels.Where(condition.Span<bool>(), mc, a.Span<long>(), ma, b.Span<long>(), mb, r.Span<long>()); break;
            default: ElementKernels.Where(condition.Span<bool>(), mc, a.Span<bool>(), ma, b.Span<bool>(), mb, r.Span<bool>()); break;
        }
        if (!Graph.NeedsGrad(a, b)) return r;
        var cond = condition;
        int[] sa = a._shape, sb = b._shape;
        return Graph.RecordSaving(r, "WhereBackward0", [cond], g =>
        {
            var zero = Torch.ZerosLike(g);
            return [WhereImpl(cond, g, zero).SumToShape(sa), WhereImpl(cond, zero, g).SumToShape(sb)];
        }, a, b);
    }
}
