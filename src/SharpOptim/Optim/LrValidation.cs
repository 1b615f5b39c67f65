namespace SharpOptim.Optim;

/// <summary>
/// The lr check of every PyTorch optimizer but SGD: <c>if not 0.0 &lt;= lr</c>, which refuses NaN
/// as well (SGD's <c>if lr &lt; 0.0</c>, <see cref="Validation.CheckLr"/>, lets NaN through).
/// </summary>
internal static class LrValidation
{
    public static void CheckNotNegativeNorNaN(FloatOrTensor lr)
    {
        Validation.CheckLr(lr);
        if (double.IsNaN(lr.Value))
            throw new ArgumentOutOfRangeException(nameof(lr), lr.Value, $"Invalid learning rate: {PyRepr.Number(lr.Value)}");
    }
}
