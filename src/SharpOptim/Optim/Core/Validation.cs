namespace SharpOptim.Optim;

/// <summary>Constructor checks shared by the algorithms, with PyTorch's messages.</summary>
internal static class Validation
{
    /// <summary>
    /// PyTorch's two lr checks in SGD's form: a tensor lr has one element; <c>if lr &lt; 0.0</c>,
    /// which lets NaN through (compare <see cref="CheckLrRefusingNaN"/>).
    /// </summary>
    public static void CheckLr(FloatOrTensor lr)
    {
        CheckTensorLrHasOneElement(lr);
        if (lr.Value < 0) throw InvalidLr(lr);
    }

    /// <summary>
    /// The lr checks in the form <c>if not 0.0 &lt;= lr</c>, which refuses NaN as well; a tensor lr
    /// has one element.
    /// </summary>
    public static void CheckLrRefusingNaN(FloatOrTensor lr)
    {
        CheckTensorLrHasOneElement(lr);
        if (!(lr.Value >= 0)) throw InvalidLr(lr);
    }

    /// <summary>PyTorch's <c>Tensor lr must be 1-element</c>, checked before the value.</summary>
    public static void CheckTensorLrHasOneElement(FloatOrTensor lr)
    {
        if (lr.Tensor is { } t && t.Numel != 1)
            throw new ArgumentException("Tensor lr must be 1-element", nameof(lr));
    }

    private static ArgumentOutOfRangeException InvalidLr(FloatOrTensor lr)
        => new(nameof(lr), lr.Value, $"Invalid learning rate: {PyRepr.Number(lr.Value)}");

    /// <summary>
    /// PyTorch's <c>if not 0.0 &lt;= value</c>, which refuses NaN, with its message
    /// <c>Invalid {label} value: {value}</c> (e.g. label "epsilon", "weight_decay").
    /// </summary>
    public static void CheckNonNegative(double value, string label, string paramName)
    {
        if (!(value >= 0)) throw InvalidValue(value, label, paramName);
    }

    /// <summary>
    /// PyTorch's <c>if value &lt; 0.0</c> (SGD's form), which lets NaN through, with the message of
    /// <see cref="CheckNonNegative"/>.
    /// </summary>
    public static void CheckNotBelowZero(double value, string label, string paramName)
    {
        if (value < 0) throw InvalidValue(value, label, paramName);
    }

    private static ArgumentOutOfRangeException InvalidValue(double value, string label, string paramName)
        => new(paramName, value, $"Invalid {label} value: {PyRepr.Number(value)}");

    /// <summary><c>0 &lt;= beta &lt; 1</c>, else PyTorch's <c>Invalid beta parameter at index {index}: {beta}</c>.</summary>
    public static void CheckBeta(double beta, int index, string paramName = "betas")
    {
        if (!(beta >= 0 && beta < 1))
            throw new ArgumentOutOfRangeException(paramName, beta, $"Invalid beta parameter at index {index}: {PyRepr.Float(beta)}");
    }

    /// <summary>PyTorch's checks of the implementation flags that hold for every algorithm with a fused path.</summary>
    public static void CheckFusedFlags(bool? forEach, bool? fused, bool differentiable)
    {
        if (fused != true) return;
        if (differentiable) throw new InvalidOperationException("`fused` does not support `differentiable`");
        if (forEach == true) throw new InvalidOperationException("`fused` and `foreach` cannot be `True` together.");
    }
}
