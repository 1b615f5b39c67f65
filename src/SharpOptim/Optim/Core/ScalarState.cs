namespace SharpOptim.Optim;

/// <summary>
/// The 0-d state tensors PyTorch keeps per parameter (<c>step</c>, NAdam's <c>mu_product</c>,
/// ASGD's <c>eta</c> and <c>mu</c>), made with PyTorch's <c>_get_scalar_dtype(is_fused)</c>:
/// float64 when the default dtype is float64, float32 otherwise, whatever the parameter's dtype;
/// always float32 for a fused group. <c>step</c> is such a floating tensor, not an integer.
/// </summary>
internal static class ScalarState
{
    /// <summary>The dtype of a new 0-d state tensor.</summary>
    public static DType DTypeFor(bool fused = false)
        => fused || Torch.DefaultDType != DType.Float64 ? DType.Float32 : DType.Float64;

    /// <summary>A new 0-d state tensor holding <paramref name="value"/>.</summary>
    public static Tensor New(double value, bool fused = false) => Torch.Scalar(value, DTypeFor(fused));

    /// <summary>A new <c>step</c> counter at zero.</summary>
    public static Tensor NewStep(bool fused = false) => New(0, fused);

    /// <summary><c>step_t += 1</c>, then the new count as <c>_get_value(step_t)</c> reads it.</summary>
    public static double Increment(Tensor step) => ScalarStateUpdate.Add(step, 1);
}
