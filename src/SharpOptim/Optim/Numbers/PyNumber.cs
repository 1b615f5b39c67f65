namespace SharpOptim.Optim;

/// <summary>
/// A scalar as PyTorch's Python optimizer code holds it: a Python <c>int</c>, a Python
/// <c>float</c>, or a 0-d tensor. LBFGS mixes all three (its step length starts as the tensor
/// <c>min(1, 1/‖g‖₁)·lr</c>, becomes the number <c>lr</c>, and the line search compares tensors
/// with floats), and which of them a value is decides how it rounds: an operation involving a
/// tensor is a tensor operation, rounded to the tensor's dtype (float32 in a float32 run) with
/// any Python number first converted to that dtype; an operation on two Python numbers is
/// double (int with int stays int). Following these rules is what makes float32 runs match
/// PyTorch's, and the kind is kept in the optimizer state as PyTorch keeps it (<c>"t": 1</c>,
/// <c>1.0</c> or a tensor).
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

    /// <summary>A one-element tensor, viewed as 0-d (PyTorch's <c>_to_scalar</c>; the storage is shared).</summary>
    public static PyNumber Of(Tensor tensor) => new(0, false, tensor.Dim == 0 ? tensor : tensor.Reshape());

    /// <summary>The tensor, when this is one.</summary>
    public Tensor? Tensor { get; }

    public bool IsTensor => Tensor is not null;

    public bool IsInt => _isInt;

    /// <summary>The value as a double (what PyTorch's <c>Scalar</c> conversion of a tensor gives).</summary>
    public double Value => Tensor?.Item() ?? _number;

    /// <summary>A state or option value: a tensor, an integer (int or long) or a floating-point number.</summary>
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

    // ------------------------------------------------------------ arithmetic

    public static PyNumber operator +(PyNumber a, PyNumber b) => (a.Tensor, b.Tensor) switch
    {
        ({ } x, { } y) => Of(x.Add(y)),
        ({ } x, null) => Of(x.Add(b._number)),
        (null, { } y) => Of(y.Add(a._number)), // addition commutes exactly
        _ => new(a._number + b._number, a._isInt && b._isInt, null),
    };

    public static PyNumber operator -(PyNumber a, PyNumber b) => (a.Tensor, b.Tensor) switch
    {
        ({ } x, { } y) => Of(x.Sub(y)),
        ({ } x, null) => Of(x.Sub(b._number)),
        (null, { } y) => Of(y.RSub(a._number)),
        _ => new(a._number - b._number, a._isInt && b._isInt, null),
    };

    public static PyNumber operator *(PyNumber a, PyNumber b) => (a.Tensor, b.Tensor) switch
    {
        ({ } x, { } y) => Of(x.Mul(y)),
        ({ } x, null) => Of(x.Mul(b._number)),
        (null, { } y) => Of(y.Mul(a._number)), // multiplication commutes exactly
        _ => new(a._number * b._number, a._isInt && b._isInt, null),
    };

    /// <summary>
    /// True division. A Python number divided by a tensor is <c>tensor.reciprocal() * number</c>
    /// (PyTorch's <c>Tensor.__rtruediv__</c>: two roundings); two Python numbers divide in double
    /// and refuse a zero divisor as Python does.
    /// </summary>
    public static PyNumber operator /(PyNumber a, PyNumber b) => (a.Tensor, b.Tensor) switch
    {
        ({ } x, { } y) => Of(x.Div(y)),
        ({ } x, null) => Of(x.Div(b._number)),
        (null, { } y) => Of(a._number / y),
        _ => b._number == 0 ? throw new DivideByZeroException("float division by zero") : Float(a._number / b._number),
    };

    public static PyNumber operator -(PyNumber a) => a.Tensor is { } x ? Of(x.Neg()) : new(-a._number, a._isInt, null);

    public static implicit operator PyNumber(double value) => Float(value);

    /// <summary>Python's <c>abs()</c>.</summary>
    public PyNumber Abs() => Tensor is { } x ? Of(x.Abs()) : new(Math.Abs(_number), _isInt, null);

    /// <summary><c>x ** 2</c>: PyTorch squares a tensor as <c>x * x</c>.</summary>
    public PyNumber Square() => Tensor is { } x ? Of(x.Square()) : new(_number * _number, _isInt, null);

    /// <summary><c>x.sqrt()</c> of a tensor (a Python float's square root in double).</summary>
    public PyNumber Sqrt() => Tensor is { } x ? Of(x.Sqrt()) : Float(Math.Sqrt(_number));

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
