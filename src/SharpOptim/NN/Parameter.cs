namespace SharpOptim.NN;

/// <summary>
/// A tensor that is a module parameter: a leaf that requires grad by default and shares the
/// elements of the tensor it wraps, as <c>torch.nn.Parameter</c>.
/// </summary>
public sealed class Parameter : Tensor
{
    public Parameter(Tensor data, bool requiresGrad = true) : base(data)
    {
        RequiresGrad = requiresGrad;
    }
}
