namespace SharpOptim.NN;

/// <summary>
/// A tensor that is a module parameter: a leaf that requires grad by default and shares the
/// elements of the tensor it wraps, as <c>torch.nn.Parameter</c>.
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>
    /// Wraps <paramref name="data"/> as a parameter, as <c>torch.nn.Parameter(data, requires_grad)</c>:
    /// the parameter shares <paramref name="data"/>'s elements (no copy) but is a new leaf, cut from
    /// any graph <paramref name="data"/> belongs to.
    /// </summary>
    /// <param name="data">A dense tensor; float32 or float64 when <paramref name="requiresGrad"/>.</param>
    /// <param name="requiresGrad">Whether the optimizers and autograd treat it as trainable.</param>
    /// <exception cref="NotSupportedException"><paramref name="data"/> is sparse.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="requiresGrad"/> with an int64 or bool <paramref name="data"/>.</exception>
    public Parameter(Tensor data, bool requiresGrad = true) : base(data)
    {
        RequiresGrad = requiresGrad;
    }
}
