namespace SharpOptim.Optim;

// Arithmetic on learning rates as PyTorch's schedulers do it: a plain number stays a double, and
// as soon as a tensor takes part the operation is a tensor operation (a new tensor, rounded to the
// tensor's dtype as PyTorch rounds `tensor * 0.5`), so a float32 tensor lr follows PyTorch's
// float32 arithmetic step by step.
public readonly partial struct FloatOrTensor
{
    public static FloatOrTensor operator +(FloatOrTensor a, FloatOrTensor b) => (a.Tensor, b.Tensor) switch
    {
        (null, null) => a.Number + b.Number,
        (Tensor x, null) => x + b.Number,
        (null, Tensor y) => a.Number + y,
        (Tensor x, Tensor y) => x + y,
    };

    public static FloatOrTensor operator -(FloatOrTensor a, FloatOrTensor b) => (a.Tensor, b.Tensor) switch
    {
        (null, null) => a.Number - b.Number,
        (Tensor x, null) => x - b.Number,
        (null, Tensor y) => a.Number - y,
        (Tensor x, Tensor y) => x - y,
    };

    public static FloatOrTensor operator *(FloatOrTensor a, FloatOrTensor b) => (a.Tensor, b.Tensor) switch
    {
        (null, null) => a.Number * b.Number,
        (Tensor x, null) => x * b.Number,
        (null, Tensor y) => a.Number * y,
        (Tensor x, Tensor y) => x * y,
    };

    public static FloatOrTensor operator /(FloatOrTensor a, FloatOrTensor b) => (a.Tensor, b.Tensor) switch
    {
        (null, null) => a.Number / b.Number,
        (Tensor x, null) => x / b.Number,
        (null, Tensor y) => a.Number / y,
        (Tensor x, Tensor y) => x / y,
    };

    /// <summary>An independent copy: a tensor is cloned (detached), a number is returned as is.</summary>
    public FloatOrTensor Clone() => Tensor is null ? this : StateValues.CloneDetached(Tensor);

    /// <summary>An option value (a number of any type, or a one-element tensor) as a FloatOrTensor; the tensor itself is kept, not copied.</summary>
    internal static FloatOrTensor FromOption(object? value, string key)
        => value is Tensor t ? t : OptionValues.ToDouble(value, key);
}
