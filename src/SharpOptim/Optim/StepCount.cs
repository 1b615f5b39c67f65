namespace SharpOptim.Optim;

/// <summary>
/// The per-parameter <c>"step"</c> state entry as PyTorch keeps it: a 0-d tensor (float32, or
/// float64 when the default dtype is float64; always float32 for fused groups, PyTorch's
/// <c>_get_scalar_dtype</c>), counted up in place, so state dicts carry it with PyTorch's dtype.
/// </summary>
internal static class StepCount
{
    /// <summary>A new counter at zero.</summary>
    public static Tensor Zero(bool fused = false)
        => Torch.Scalar(0, !fused && Torch.DefaultDType == DType.Float64 ? DType.Float64 : DType.Float32);

    /// <summary>Adds one to <paramref name="step"/> in place (outside autograd) and returns the new count.</summary>
    public static double Increment(Tensor step)
    {
        using (Torch.NoGrad()) step.Add_(1);
        return step.Item();
    }
}
