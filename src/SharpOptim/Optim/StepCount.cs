namespace SharpOptim.Optim;

/// <summary>
/// The per-parameter <c>state["step"]</c> of the algorithms that count steps, as PyTorch keeps it:
/// a 0-d floating tensor (not an integer), float32 unless PyTorch's default dtype is float64;
/// always float32 for a fused group (PyTorch's <c>_get_scalar_dtype(is_fused)</c>).
/// </summary>
internal static class StepCount
{
    /// <summary>A new counter at zero.</summary>
    public static Tensor Zero(bool fused = false)
        => Torch.Scalar(0, fused || Torch.DefaultDType != DType.Float64 ? DType.Float32 : DType.Float64);

    /// <summary>Adds one to the counter in place (<c>step_t += 1</c>) and returns the new count.</summary>
    public static double Increment(Tensor step)
    {
        using (Torch.NoGrad()) step.Add_(1);
        return step.Item();
    }
}
