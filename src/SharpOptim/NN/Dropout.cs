namespace SharpOptim.NN;

/// <summary>
/// In training mode zeroes each element with probability <see cref="P"/> and scales the others
/// by 1/(1-p); in evaluation mode returns its input unchanged. As <c>torch.nn.Dropout</c>.
/// </summary>
public sealed class Dropout : Module
{
    /// <exception cref="ArgumentOutOfRangeException">p outside [0, 1].</exception>
    public Dropout(double p = 0.5)
    {
        Functional.CheckDropoutProbability(p);
        P = p;
    }

    /// <summary>Probability of an element being zeroed.</summary>
    public double P { get; }

    /// <inheritdoc/>
    /// <remarks>Any shape; the mask is drawn from <see cref="Torch.DefaultGenerator"/> (so <see cref="Torch.ManualSeed"/> makes it reproducible, though not PyTorch's mask).</remarks>
    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"p={PyRepr.Float(P)}, inplace=False";
}
