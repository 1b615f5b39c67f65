namespace SharpOptim.Optim;

/// <summary>
/// A scalar as PyTorch's Python optimizer code holds it: a Python <c>int</c>, a Python
/// <c>float</c>, or a 0-d tensor, with Python's arithmetic. Which of them a value is decides how it
/// rounds: an operation involving a tensor is a tensor operation (a new tensor, rounded to the
/// tensor's dtype, float32 for <c>torch.tensor(0.001)</c>, with any Python number first converted
/// to that dtype, and recorded by autograd); an operation on two Python numbers is double (int
/// with int stays int). Writing PyTorch's scalar expressions with this type reproduces them bit for
/// bit: NAdam's <c>-lr * (1 - mu) / (1 - mu_product)</c>, ASGD's <c>lr / (1 + lambd * lr * step) ** alpha</c>,
/// LBFGS's step lengths (a tensor <c>min(1, 1/‖g‖₁)·lr</c>, then the number <c>lr</c>, compared with
/// floats in the line search, and kept in the state as PyTorch keeps them: <c>"t": 1</c>,
/// <c>1.0</c> or a tensor). The reference paths use it; the kernels use the allocation-free
/// <see cref="HyperScalar"/>, and the public option type is <see cref="FloatOrTensor"/>, whose
/// arithmetic is this type's.
/// </summary>
internal readonly struct PyNumber
{
    private readonly double _number;
    private readonly bool _isInt;

    private PyNumber(double number, bool isInt, Tensor? tensor)
    {
        _number = number;
        _isInt = isInt;
        Tensor = tensor;
    }

    public static PyNumber Int(long value) => new(value, true, null);

    public static PyNumber Float(double value) => new(value, false, null);

    /// <summary>A one-element tensor, viewed as 0-d (PyTorch's <c>_to_scalar</c>; the storage is shared, so autograd reaches it).</summary>
    public static PyNumber Of(Tensor tensor) => new(0, false, tensor.Dim == 0 ? tensor : tensor.Reshape());

    /// <summary>The tensor, when this is one.</summary>
    public Tensor? Tensor { get; }

    public bool IsTensor => Tensor is not null;

    public bool IsInt => _isInt;

    /// <summary>The value as a double (what PyTorch's <c>Scalar</c> conversion of a tensor, <c>.item()</c>, gives).</summary>
    public double Value => Tensor?.Item() ?? _number;

    /// <summary>A group option as PyTorch's step sees it after <c>_to_scalar</c>: a float (from any numeric type), or a tensor made 0-d.</summary>
    public static PyNumber FromOption(object? option, string key)
        => option is Tensor t ? Of(t) : Float(OptionValues.ToDouble(option, key));

    /// <summary>A state or option value whose kind is kept: a tensor, an integer (int or long) or a floating-point number.</summary>
    public static PyNumber FromValue(object? value, string what) => value switch
    {
        Tensor t when t.Numel == 1 => Of(t),
        int i => Int(i),
        long l => Int(l),
        double d => Float(d),
        float f => Float(f),
        _ => throw new InvalidOperationException($"{what} is {(value is null ? "None" : value.GetType().Name)}, not a number or a one-element tensor"),
    };

    /// <summary>The value as the state stores it: the tensor itself, an <c>int</c>, or a <c>double</c>.</summary>
    public object ToValue() => Tensor is not null ? Tensor : _isInt ? checked((int)_number) : (object)_number;

    public static implicit operator PyNumber(double value) => Float(value);

    /// <summary>
    /// A tensor as it is (an operation's result; no reshape, so a one-element tensor keeps its
    /// shape). Explicit, so that a null never passes for a number.
    /// </summary>
    public static explicit operator PyNumber(Tensor tensor) => new(0, false, tensor ?? throw new ArgumentNullException(nameof(tensor)));

    // ------------------------------------------------------------ arithmetic

    public static PyNumber operator +(PyNumber a, PyNumber b) => (a.Tensor, b.Tensor) switch
    {
        ({ } x, { } y) => (PyNumber)(x + y),
        ({ } x, null) => (PyNumber)(x + b._number),
        (null, { } y) => (PyNumber)(a._number + y),
        _ => new PyNumber(a._number + b._number, a._isInt && b._isInt, null),
    };

    public static PyNumber operator -(PyNumber a, PyNumber b) => (a.Tensor, b.Tensor) switch
    {
        ({ } x, { } y) => (PyNumber)(x - y),
        ({ } x, null) => (PyNumber)(x - b._number),
        (null, { } y) => (PyNumber)(a._number - y),
        _ => new PyNumber(a._number - b._number, a._isInt && b._isInt, null),
    };

    public static PyNumber operator *(PyNumber a, PyNumber b) => (a.Tensor, b.Tensor) switch
    {
        ({ } x, { } y) => (PyNumber)(x * y),
        ({ } x, null) => (PyNumber)(x * b._number),
        (null, { } y) => (PyNumber)(a._number * y),
        _ => new PyNumber(a._number * b._number, a._isInt && b._isInt, null),
    };

    /// <summary>
    /// True division. A Python number divided by a tensor is <see cref="Tensor.RDiv"/> (Python's
    /// <c>tensor.reciprocal() * number</c>); two Python numbers divide in double and refuse a zero
    /// divisor as Python does (<see cref="PyMath.Div"/>).
    /// </summary>
    public static PyNumber operator /(PyNumber a, PyNumber b) => (a.Tensor, b.Tensor) switch
    {
        ({ } x, { } y) => (PyNumber)(x / y),
        ({ } x, null) => (PyNumber)(x / b._number),
        (null, { } y) => (PyNumber)(a._number / y),
        _ => Float(PyMath.Div(a._number, b._number)),
    };

    public static PyNumber operator -(PyNumber a) => a.Tensor is { } x ? (PyNumber)x.Neg() : new(-a._number, a._isInt, null);

    /// <summary>Python's <c>abs()</c>.</summary>
    public PyNumber Abs() => Tensor is { } x ? (PyNumber)x.Abs() : new(Math.Abs(_number), _isInt, null);

    /// <summary><c>x ** 2</c>: PyTorch squares a tensor as <c>x * x</c>; an int's square stays an int.</summary>
    public PyNumber Square() => Tensor is { } x ? (PyNumber)x.Square() : new(_number * _number, _isInt, null);

    /// <summary><c>x.sqrt()</c> of a tensor (a Python float's square root in double).</summary>
    public PyNumber Sqrt() => Tensor is { } x ? (PyNumber)x.Sqrt() : Float(Math.Sqrt(_number));

    /// <summary>
    /// <c>x ** exponent</c>: C's pow for a number; for a tensor, PyTorch's CPU pow, which turns
    /// the exponents 0.5, -0.5, -1, 2, 3 and -2 into sqrt, rsqrt, reciprocal and products. Any other
    /// exponent of a 0-d float32 tensor is computed as PyTorch's scalar loop computes it, C's pow in
    /// double rounded to float32 (the tensor layer's float32 pow is powf, which differs in the last
    /// bit for about one base in 1600), so that it agrees with <see cref="HyperScalar.Pow"/>.
    /// </summary>
    public PyNumber Pow(double exponent)
    {
        if (Tensor is not { } t) return Float(Math.Pow(_number, exponent));
        return (PyNumber)(exponent switch
        {
            0.5 => t.Sqrt(),
            -0.5 => t.Rsqrt(),
            -1 => t.Reciprocal(),
            2 => t.Mul(t),
            3 => t.Mul(t).Mul(t),
            -2 => t.Mul(t).Reciprocal(),
            _ => t.DType == DType.Float32 ? t.To(DType.Float64).Pow(exponent).To(DType.Float32) : t.Pow(exponent),
        });
    }

    /// <summary><c>tensor * this</c>: a tensor operand broadcasts as a 0-d tensor, a number is cast to the tensor's dtype.</summary>
    public Tensor Times(Tensor tensor) => Tensor is { } t ? tensor.Mul(t) : tensor.Mul(_number);

    /// <summary><c>tensor.mul_(this)</c>.</summary>
    public Tensor ScaleInPlace(Tensor tensor) => Tensor is { } t ? tensor.Mul_(t) : tensor.Mul_(_number);

    // ------------------------------------------------------------ comparisons

    /// <summary>
    /// A comparison: as a tensor comparison when either side is a tensor (a Python number is
    /// first converted to the tensor's dtype), else as a comparison of the two numbers.
    /// </summary>
    private static bool Compare(PyNumber a, PyNumber b, Func<Tensor, Tensor, Tensor> tensorOp, Func<double, double, bool> numberOp)
    {
        if (a.Tensor is null && b.Tensor is null) return numberOp(a._number, b._number);
        var x = a.Tensor ?? Torch.Scalar(a._number, b.Tensor!.DType);
        var y = b.Tensor ?? Torch.Scalar(b._number, x.DType);
        return tensorOp(x, y).Item() != 0;
    }

    public static bool operator >(PyNumber a, PyNumber b) => Compare(a, b, (x, y) => x.Gt(y), (x, y) => x > y);

    public static bool operator <(PyNumber a, PyNumber b) => Compare(a, b, (x, y) => x.Lt(y), (x, y) => x < y);

    public static bool operator >=(PyNumber a, PyNumber b) => Compare(a, b, (x, y) => x.Ge(y), (x, y) => x >= y);

    public static bool operator <=(PyNumber a, PyNumber b) => Compare(a, b, (x, y) => x.Le(y), (x, y) => x <= y);

    /// <summary>Python's <c>max(a, b)</c>: <paramref name="b"/> only if it compares greater (so ties and NaN keep <paramref name="a"/>).</summary>
    public static PyNumber Max(PyNumber a, PyNumber b) => b > a ? b : a;

    /// <summary>Python's <c>min(a, b)</c>: <paramref name="b"/> only if it compares less.</summary>
    public static PyNumber Min(PyNumber a, PyNumber b) => b < a ? b : a;

    public override string ToString() => Tensor?.ToString() ?? (_isInt ? ((long)_number).ToString(System.Globalization.CultureInfo.InvariantCulture) : PyRepr.Number(_number));
}
