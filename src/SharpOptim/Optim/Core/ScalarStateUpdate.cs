namespace SharpOptim.Optim;

/// <summary>
/// In-place updates of the 0-d state tensors (the <c>step</c> counter, NAdam's <c>mu_product</c>,
/// ASGD's <c>eta</c> and <c>mu</c>) for the kernel paths: the usual tensor, float32 or float64
/// outside autograd, is written directly, with the rounding of the tensor op it replaces and
/// without an op's allocations; anything else takes the tensor op itself.
/// </summary>
internal static class ScalarStateUpdate
{
    /// <summary><c>t.add_(value)</c> (the step counter's <c>+= 1</c>), then the new value.</summary>
    public static double Add(Tensor t, double value)
    {
        switch (WritableDType(t))
        {
            case DType.Float32:
                t.MarkModified();
                return t.Span<float>()[0] += (float)value;
            case DType.Float64:
                t.MarkModified();
                return t.Span<double>()[0] += value;
        }
        using (Torch.NoGrad()) t.Add_(value);
        return t.Item();
    }

    /// <summary><c>t.mul_(factor)</c>: the factor cast to the tensor's dtype, then one rounded product.</summary>
    public static double Multiply(Tensor t, double factor)
    {
        switch (WritableDType(t))
        {
            case DType.Float32:
                t.MarkModified();
                return t.Span<float>()[0] *= (float)factor;
            case DType.Float64:
                t.MarkModified();
                return t.Span<double>()[0] *= factor;
        }
        using (Torch.NoGrad()) t.Mul_(factor);
        return t.Item();
    }

    /// <summary>
    /// <c>t.copy_(source)</c> where the source is a float64-representable value (a number already
    /// rounded as its own tensor would hold it): rounded once more to the tensor's dtype.
    /// </summary>
    public static void Assign(Tensor t, double value)
    {
        switch (WritableDType(t))
        {
            case DType.Float32:
                t.MarkModified();
                t.Span<float>()[0] = (float)value;
                return;
            case DType.Float64:
                t.MarkModified();
                t.Span<double>()[0] = value;
                return;
        }
        using (Torch.NoGrad()) t.Copy_(Torch.Scalar(value, DType.Float64));
    }

    /// <summary><paramref name="value"/> as a tensor of <paramref name="dtype"/> holds it (<c>torch.as_tensor(value, dtype=...)</c>).</summary>
    public static double RoundTo(DType dtype, double value) => dtype == DType.Float32 ? (float)value : value;

    /// <summary>The dtype to write directly, or null when the tensor op must run (other dtypes, sparse, or recorded by autograd).</summary>
    private static DType? WritableDType(Tensor t)
        => t is { Numel: 1, IsSparse: false, RequiresGrad: false } && t.DType is DType.Float32 or DType.Float64 ? t.DType : null;
}
