namespace SharpOptim.Optim;

/// <summary>
/// An operand of the scalar expressions inside PyTorch's optimizer steps (<c>-lr * (1 - mu) /
/// (1 - mu_product)</c>, <c>1 - lr * weight_decay</c>, ...), which PyTorch evaluates differently
/// depending on what <c>lr</c> is: a Python number gives double arithmetic; a tensor gives 0-d
/// tensor arithmetic, rounded in the tensor's dtype (float32 for <c>torch.tensor(0.001)</c>) and
/// recorded by autograd. Writing the expression with this type reproduces both, bit for bit,
/// including Python's operator quirks (<c>number / tensor</c> is <c>tensor.reciprocal() * number</c>).
/// (<see cref="HyperScalar"/> is the allocation-free counterpart the Adam family's kernels use;
/// see there why the two stay separate.)
/// </summary>
internal readonly struct PyScalar
{
    private readonly double _number;

    private PyScalar(double number, Tensor? tensor)
    {
        _number = number;
        Tensor = tensor;
    }

    /// <summary>The 0-d tensor, or null for a number.</summary>
    public Tensor? Tensor { get; }

    public bool IsTensor => Tensor is not null;

    /// <summary>The value (a tensor's element, as <c>.item()</c> reads it).</summary>
    public double Value => Tensor is null ? _number : Tensor.Item();

    /// <summary>
    /// A group option as PyTorch's step sees it after <c>_to_scalar</c>: a number, or a tensor
    /// squeezed to 0-d (the tensor itself when already 0-d, so autograd reaches it).
    /// </summary>
    public static PyScalar FromOption(object? option, string key) => option switch
    {
        Tensor { Dim: 0 } t => new(0, t),
        Tensor t => new(0, t.Reshape([])),
        _ => new(OptionValues.ToDouble(option, key), null),
    };

    public static implicit operator PyScalar(double number) => new(number, null);

    public static implicit operator PyScalar(Tensor tensor) => new(0, tensor);

    public static PyScalar operator -(PyScalar a) => a.Tensor is { } t ? t.Neg() : -a._number;

    public static PyScalar operator +(PyScalar a, PyScalar b) => (a.Tensor, b.Tensor) switch
    {
        (null, null) => a._number + b._number,
        ({ } x, null) => x.Add(b._number),
        (null, { } y) => y.Add(a._number),
        ({ } x, { } y) => x.Add(y),
    };

    public static PyScalar operator -(PyScalar a, PyScalar b) => (a.Tensor, b.Tensor) switch
    {
        (null, null) => a._number - b._number,
        ({ } x, null) => x.Sub(b._number),
        (null, { } y) => y.RSub(a._number),
        ({ } x, { } y) => x.Sub(y),
    };

    public static PyScalar operator *(PyScalar a, PyScalar b) => (a.Tensor, b.Tensor) switch
    {
        (null, null) => a._number * b._number,
        ({ } x, null) => x.Mul(b._number),
        (null, { } y) => y.Mul(a._number),
        ({ } x, { } y) => x.Mul(y),
    };

    /// <summary>Python's <c>number / tensor</c> is <c>Tensor.__rtruediv__</c>: <c>tensor.reciprocal() * number</c>.</summary>
    public static PyScalar operator /(PyScalar a, PyScalar b) => (a.Tensor, b.Tensor) switch
    {
        (null, null) => a._number / b._number,
        ({ } x, null) => x.Div(b._number),
        (null, { } y) => a._number / y,
        ({ } x, { } y) => x.Div(y),
    };

    /// <summary>
    /// <c>a ** exponent</c>: C's pow for a number; for a tensor, PyTorch's CPU pow, which turns
    /// the exponents 0.5, -0.5, -1, 2, 3 and -2 into sqrt, rsqrt, reciprocal and products. Any other
    /// exponent of a 0-d float32 tensor is computed as PyTorch's scalar loop computes it, C's pow in
    /// double rounded to float32 (the tensor layer's float32 pow is powf, which differs in the last
    /// bit for about one base in 1600), so that it agrees with <see cref="HyperScalar.Pow"/>.
    /// </summary>
    public PyScalar Pow(double exponent)
    {
        if (Tensor is not { } t) return Math.Pow(_number, exponent);
        return exponent switch
        {
            0.5 => t.Sqrt(),
            -0.5 => t.Rsqrt(),
            -1 => t.Reciprocal(),
            2 => t.Mul(t),
            3 => t.Mul(t).Mul(t),
            -2 => t.Mul(t).Reciprocal(),
            _ => t.DType == DType.Float32 ? t.To(DType.Float64).Pow(exponent).To(DType.Float32) : t.Pow(exponent),
        };
    }

    /// <summary><c>tensor * this</c>: a tensor operand broadcasts as a 0-d tensor, a number is cast to the tensor's dtype.</summary>
    public Tensor Times(Tensor tensor) => Tensor is { } t ? tensor.Mul(t) : tensor.Mul(_number);

    /// <summary><c>tensor.mul_(this)</c>.</summary>
    public Tensor ScaleInPlace(Tensor tensor) => Tensor is { } t ? tensor.Mul_(t) : tensor.Mul_(_number);

    public override string ToString() => Tensor?.ToString() ?? PyRepr.Number(_number);
}
