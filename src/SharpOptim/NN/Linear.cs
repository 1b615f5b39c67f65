namespace SharpOptim.NN;

/// <summary>
/// <c>y = x·Wᵀ + b</c>, as <c>torch.nn.Linear</c>: <see cref="Weight"/> is (out, in),
/// <see cref="Bias"/> is (out) or null.
/// </summary>
public class Linear : Module
{
    /// <param name="inFeatures">Size of each input sample.</param>
    /// <param name="outFeatures">Size of each output sample.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dtype">Parameter dtype; <see cref="Torch.DefaultDType"/> when null.</param>
    public Linear(int inFeatures, int outFeatures, bool bias = true, DType? dtype = null)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        RegisterParameter("weight", new Parameter(Torch.Empty([outFeatures, inFeatures], dtype)));
        RegisterParameter("bias", bias ? new Parameter(Torch.Empty([outFeatures], dtype)) : null);
        ResetParameters();
    }

    /// <summary>Size of each input sample, the input's last dim (PyTorch's <c>in_features</c>).</summary>
    public int InFeatures { get; }

    /// <summary>Size of each output sample (PyTorch's <c>out_features</c>).</summary>
    public int OutFeatures { get; }

    /// <summary>W, shape (<see cref="OutFeatures"/>, <see cref="InFeatures"/>).</summary>
    public Parameter Weight => GetParameter("weight")!;

    /// <summary>b, shape (<see cref="OutFeatures"/>); null when constructed with <c>bias: false</c>.</summary>
    public Parameter? Bias => GetParameter("bias");

    /// <summary>
    /// PyTorch's default init: <c>kaiming_uniform_(W, a=√5)</c>, i.e. W ~ U(-1/√in, 1/√in), and
    /// b ~ U(-1/√in, 1/√in), from the default generator.
    /// </summary>
    public void ResetParameters()
    {
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5));
        if (Bias is { } bias)
        {
            var (fanIn, _) = Init.CalculateFanInAndFanOut(Weight);
            double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
            Init.Uniform_(bias, -bound, bound);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Input (…, <see cref="InFeatures"/>), e.g. (N, in); output (…, <see cref="OutFeatures"/>). See <see cref="Functional.Linear"/>.</remarks>
    /// <exception cref="ArgumentException">A 0-d input, or a last dim other than <see cref="InFeatures"/>.</exception>
    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={PyRepr.Bool(Bias is not null)}";
}
