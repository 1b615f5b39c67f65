namespace SharpOptim.Optim;

/// <summary>
/// The three constructor flags that choose an optimizer's implementation, as PyTorch's
/// constructors take them; null leaves the choice to the optimizer.
/// </summary>
/// <param name="ForEach">PyTorch's <c>foreach</c>.</param>
/// <param name="Fused">PyTorch's <c>fused</c>.</param>
/// <param name="Differentiable">PyTorch's <c>differentiable</c>.</param>
public readonly record struct ImplementationFlags(bool? ForEach = null, bool? Fused = null, bool Differentiable = false);
