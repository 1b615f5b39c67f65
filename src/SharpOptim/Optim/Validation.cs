namespace SharpOptim.Optim;

/// <summary>Constructor checks shared by the algorithms, with PyTorch's messages.</summary>
internal static class Validation
{
    /// <summary>PyTorch's two lr checks: a tensor lr has one element; lr is not negative.</summary>
    public static void CheckLr(FloatOrTensor lr)
    {
        if (lr.Tensor is { } t && t.Numel != 1)
            throw new ArgumentException("Tensor lr must be 1-element", nameof(lr));
        if (lr.Value < 0)
            throw new ArgumentOutOfRangeException(nameof(lr), lr.Value, $"Invalid learning rate: {PyRepr.Number(lr.Value)}");
    }
}
