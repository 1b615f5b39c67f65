namespace SharpOptim.Optim;

/// <summary>
/// The 0-d state tensors PyTorch keeps per parameter (<c>step</c>, NAdam's <c>mu_product</c>,
/// ASGD's <c>eta</c> and <c>mu</c>), made with PyTorch's <c>_get_scalar_dtype()</c>: float64 when
/// the default dtype is float64, float32 otherwise, whatever the parameter's dtype.
/// </summary>
internal static class ScalarState
{
    public static DType DType => Torch.DefaultDType == DType.Float64 ? DType.Float64 : DType.Float32;

    /// <summary>A new 0-d state tensor holding <paramref name="value"/>.</summary>
    public static Tensor New(double value) => Torch.Scalar(value, DType);

    /// <summary><c>step_t += 1</c>, then the new count as <c>_get_value(step_t)</c> reads it.</summary>
    public static double Increment(Tensor step)
    {
        using (Torch.NoGrad()) step.Add_(1);
        return step.Item();
    }
}
