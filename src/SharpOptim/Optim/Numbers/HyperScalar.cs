namespace SharpOptim.Optim;

/// <summary>
/// A hyper-parameter value with the arithmetic PyTorch's Python code applies to it: a Python
/// float computes in double; a 0-d tensor (a tensor lr or beta) rounds every result to its dtype,
/// and two 0-d tensors meet in the wider dtype. So <c>lr / (1 - beta1 ** step)</c> with a float32
/// tensor lr gives the float32 value PyTorch's for-loop passes on, without allocating tensors.
/// </summary>
/// <remarks>
/// The same rules as <see cref="PyNumber"/>, computed on values instead of tensors, and it must stay
/// a separate type: the kernels (Adam, AdamW, Adamax, NAdam, RAdam, ASGD, Adagrad, SparseAdam)
/// compute their per-step scalars with it, and a kernel step allocates nothing, while
/// <see cref="PyNumber"/> builds a 0-d tensor for every result so that autograd can record a
/// differentiable step (and it tells ints from floats, which no kernel scalar needs). Each
/// operation here rounds as the tensor op would, including Python's <c>number / tensor</c>
/// (<see cref="Tensor.RDiv"/>: a rounded reciprocal, then a rounded product).
/// </remarks>
internal readonly struct HyperScalar
{
    private HyperScalar(double value, DType? tensorDType)
    {
        Value = tensorDType == DType.Float32 ? (float)value : value;
        TensorDType = tensorDType;
    }

    /// <summary>The value (a float32 tensor's value is held exactly).</summary>
    public double Value { get; }

    /// <summary>The dtype of the 0-d tensor this value is; null for a Python float.</summary>
    public DType? TensorDType { get; }

    public static HyperScalar Number(double value) => new(value, null);

    /// <summary>A one-element tensor's value, rounding as its dtype.</summary>
    public static HyperScalar Of(Tensor t)
    {
        if (t.DType is not (DType.Float32 or DType.Float64))
            throw new NotSupportedException($"a hyper-parameter tensor must be float32 or float64, got {t.DType.TorchName()}");
        return new(t.Item(), t.DType);
    }

    public static HyperScalar Of(FloatOrTensor x) => x.Tensor is { } t ? Of(t) : Number(x.Value);

    /// <summary>The same value as a Python float (what <c>.item()</c> gives; PyTorch's fused kernels read tensors this way).</summary>
    public HyperScalar AsNumber() => Number(Value);

    /// <summary><c>x.to(dtype)</c> for a tensor; a Python float stays a float.</summary>
    public HyperScalar To(DType dtype) => TensorDType is null ? this : new(Value, dtype);

    private static DType? ResultType(HyperScalar a, HyperScalar b)
        => a.TensorDType is null ? b.TensorDType
         : b.TensorDType is null ? a.TensorDType
         : a.TensorDType == DType.Float64 || b.TensorDType == DType.Float64 ? DType.Float64 : DType.Float32;

    /// <summary>One binary operation, carried out in the result's precision (IEEE float ops round once, as PyTorch's kernels do).</summary>
    private static HyperScalar Apply(HyperScalar a, HyperScalar b, Func<double, double, double> inDouble, Func<float, float, float> inFloat)
    {
        var type = ResultType(a, b);
        return type == DType.Float32
            ? new(inFloat((float)a.Value, (float)b.Value), type)
            : new(inDouble(a.Value, b.Value), type);
    }

    public static HyperScalar operator +(HyperScalar a, HyperScalar b) => Apply(a, b, (x, y) => x + y, (x, y) => x + y);
    public static HyperScalar operator -(HyperScalar a, HyperScalar b) => Apply(a, b, (x, y) => x - y, (x, y) => x - y);
    public static HyperScalar operator *(HyperScalar a, HyperScalar b) => Apply(a, b, (x, y) => x * y, (x, y) => x * y);
    /// <summary>
    /// True division; a Python number divided by a tensor is <c>tensor.reciprocal() * number</c>, two
    /// roundings, as <see cref="Tensor.RDiv"/> computes it.
    /// </summary>
    public static HyperScalar operator /(HyperScalar a, HyperScalar b)
        => a.TensorDType is null && b.TensorDType is not null
            ? Apply(1, b, (x, y) => x / y, (x, y) => x / y) * a
            : Apply(a, b, (x, y) => x / y, (x, y) => x / y);
    public static HyperScalar operator -(HyperScalar a) => new(-a.Value, a.TensorDType);

    public static implicit operator HyperScalar(double value) => Number(value);

    /// <summary>
    /// <c>self ** exponent</c>. A Python float uses C's <c>pow</c>. A tensor follows PyTorch's CPU
    /// <c>pow(Tensor, Scalar)</c>: 0 gives 1, 1 a copy, 0.5 a square root, -0.5 a reciprocal
    /// square root, -1 a reciprocal, 2 and 3 repeated products, -2 the reciprocal of a square, any
    /// other exponent <c>pow</c> computed in double and rounded to the dtype.
    /// </summary>
    public HyperScalar Pow(double exponent)
    {
        if (TensorDType is null) return Number(Math.Pow(Value, exponent));
        return TensorDType == DType.Float32 ? new(PowAs((float)Value, exponent), TensorDType) : new(PowAs(Value, exponent), TensorDType);
    }

    private static T PowAs<T>(T x, double exponent) where T : System.Numerics.IFloatingPointIeee754<T> => exponent switch
    {
        0 => T.One,
        1 => x,
        0.5 => T.Sqrt(x),
        -0.5 => T.One / T.Sqrt(x),
        -1 => T.One / x,
        2 => x * x,
        3 => x * x * x,
        -2 => T.One / (x * x),
        _ => T.CreateTruncating(Math.Pow(double.CreateTruncating(x), exponent)),
    };

    public override string ToString() => TensorDType is null ? PyRepr.Float(Value) : $"tensor({PyRepr.Float(Value)}, dtype=torch.{TensorDType.Value.TorchName()})";
}
