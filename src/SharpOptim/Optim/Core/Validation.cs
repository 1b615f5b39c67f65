namespace SharpOptim.Optim;

/// <summary>Constructor checks shared by the algorithms, with PyTorch's messages.</summary>
internal static class Validation
{
    /// <summary>
    /// PyTorch's lr checks, in its order: a tensor lr has one element (<c>Tensor lr must be
    /// 1-element</c>), then lr is not negative, compared and worded as <paramref name="form"/> says.
    /// </summary>
    public static void CheckLr(FloatOrTensor lr, LrCheck form = LrCheck.RefusingNaN)
    {
        if (lr.Tensor is { } t && t.Numel != 1)
            throw new ArgumentException("Tensor lr must be 1-element", nameof(lr));
        double value = lr.Value;
        switch (form)
        {
            case LrCheck.RefusingNaN when !(value >= 0):
            case LrCheck.AcceptingNaN when value < 0:
                throw new ArgumentOutOfRangeException(nameof(lr), value, $"Invalid learning rate: {PyRepr.Number(value)}");
            case LrCheck.ShouldBeWording:
                BoundChecks.AtLeast(value, 0, "Learning rate", nameof(lr));
                break;
        }
    }

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

/// <summary>The three forms PyTorch's constructors give the lr check (<see cref="Validation.CheckLr"/>).</summary>
internal enum LrCheck
{
    /// <summary><c>if not 0.0 &lt;= lr: Invalid learning rate: {lr}</c>, which refuses NaN: Adam, AdamW, Adamax, NAdam, RAdam, ASGD, Adagrad, Adadelta, RMSprop, Rprop, LBFGS.</summary>
    RefusingNaN,

    /// <summary>SGD's <c>if lr &lt; 0.0: Invalid learning rate: {lr}</c>, which lets NaN through.</summary>
    AcceptingNaN,

    /// <summary>The newer optimizers' <c>if not 0.0 &lt;= lr: Learning rate should be &gt;= 0 but is: {lr}</c> (NaN refused): Adafactor, Muon.</summary>
    ShouldBeWording,
}
