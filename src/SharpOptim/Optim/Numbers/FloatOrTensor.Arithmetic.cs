namespace SharpOptim.Optim;

// Arithmetic on learning rates as PyTorch's schedulers do it: Python's, as PyNumber computes it. A
// plain number stays a double, and as soon as a tensor takes part the operation is a tensor
// operation (a new tensor, rounded to the tensor's dtype as PyTorch rounds `tensor * 0.5`), so a
// float32 tensor lr follows PyTorch's float32 arithmetic step by step.
public readonly partial struct FloatOrTensor
{
    /// <summary>Python's <c>a + b</c>: a number when both are numbers, else a new tensor in the tensor's dtype (rounded as PyTorch's tensor arithmetic).</summary>
    public static FloatOrTensor operator +(FloatOrTensor a, FloatOrTensor b) => From(a.AsPyNumber + b.AsPyNumber);

    /// <summary>Python's <c>a - b</c>: a number when both are numbers, else a new tensor in the tensor's dtype (rounded as PyTorch's tensor arithmetic).</summary>
    public static FloatOrTensor operator -(FloatOrTensor a, FloatOrTensor b) => From(a.AsPyNumber - b.AsPyNumber);

    /// <summary>Python's <c>a * b</c>: a number when both are numbers, else a new tensor in the tensor's dtype (rounded as PyTorch's tensor arithmetic).</summary>
    public static FloatOrTensor operator *(FloatOrTensor a, FloatOrTensor b) => From(a.AsPyNumber * b.AsPyNumber);

    /// <summary>Python's true division: a number divided by a tensor is <see cref="Tensor.RDiv"/>, a zero number divisor raises.</summary>
    public static FloatOrTensor operator /(FloatOrTensor a, FloatOrTensor b) => From(a.AsPyNumber / b.AsPyNumber);

    // With a plain number on one side. Since an lr also converts to double, `lr * 0.5` and `lr / 2`
    // would otherwise be ambiguous between this type's operators and double's; these keep them lr
    // arithmetic (a tensor lr stays a tensor, as in Python). An integer divides as Python's `/`.

    /// <summary>Python's <c>lr + number</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator +(FloatOrTensor a, double b) => a + (FloatOrTensor)b;

    /// <summary>Python's <c>number + lr</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator +(double a, FloatOrTensor b) => (FloatOrTensor)a + b;

    /// <summary>Python's <c>lr + number</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator +(FloatOrTensor a, long b) => a + (double)b;

    /// <summary>Python's <c>number + lr</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator +(long a, FloatOrTensor b) => (double)a + b;

    /// <summary>Python's <c>lr - number</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator -(FloatOrTensor a, double b) => a - (FloatOrTensor)b;

    /// <summary>Python's <c>number - lr</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator -(double a, FloatOrTensor b) => (FloatOrTensor)a - b;

    /// <summary>Python's <c>lr - number</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator -(FloatOrTensor a, long b) => a - (double)b;

    /// <summary>Python's <c>number - lr</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator -(long a, FloatOrTensor b) => (double)a - b;

    /// <summary>Python's <c>lr * number</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator *(FloatOrTensor a, double b) => a * (FloatOrTensor)b;

    /// <summary>Python's <c>number * lr</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator *(double a, FloatOrTensor b) => (FloatOrTensor)a * b;

    /// <summary>Python's <c>lr * number</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator *(FloatOrTensor a, long b) => a * (double)b;

    /// <summary>Python's <c>number * lr</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator *(long a, FloatOrTensor b) => (double)a * b;

    /// <summary>Python's <c>lr / number</c>: a tensor lr gives a tensor; a zero divisor raises.</summary>
    public static FloatOrTensor operator /(FloatOrTensor a, double b) => a / (FloatOrTensor)b;

    /// <summary>Python's <c>number / lr</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator /(double a, FloatOrTensor b) => (FloatOrTensor)a / b;

    /// <summary>Python's <c>lr / number</c>: a tensor lr gives a tensor; a zero divisor raises.</summary>
    public static FloatOrTensor operator /(FloatOrTensor a, long b) => a / (double)b;

    /// <summary>Python's <c>number / lr</c>: a tensor lr gives a tensor.</summary>
    public static FloatOrTensor operator /(long a, FloatOrTensor b) => (double)a / b;

    /// <summary>The value with Python's arithmetic: the tensor as it is (no reshape), or the number as a float.</summary>
    internal PyNumber AsPyNumber => Tensor is { } t ? (PyNumber)t : PyNumber.Float(Number);

    private static FloatOrTensor From(PyNumber n) => n.Tensor is { } t ? t : n.Value;

    /// <summary>An independent copy: a tensor is cloned (detached), a number is returned as is.</summary>
    public FloatOrTensor Clone() => Tensor is null ? this : StateValues.CloneDetached(Tensor);

    /// <summary>An option value (a number of any type, or a one-element tensor) as a FloatOrTensor; the tensor itself is kept, not copied.</summary>
    internal static FloatOrTensor FromOption(object? value, string key)
        => value is Tensor t ? t : OptionValues.ToDouble(value, key);

    /// <summary>A group's <c>lr</c> as a step reads it: the tensor itself when it is one, else its number.</summary>
    internal static FloatOrTensor ReadLr(ParamGroup group) => FromOption(group.Peek("lr"), "lr");
}
