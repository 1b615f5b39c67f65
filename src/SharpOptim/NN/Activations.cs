namespace SharpOptim.NN;

// Parameter-free element-wise layers, for use inside Sequential.

/// <summary><c>max(x, 0)</c>, as <c>torch.nn.ReLU</c>.</summary>
public sealed class ReLU : Module
{
    /// <inheritdoc/>
    /// <remarks>Element-wise; any shape, float32 or float64. See <see cref="Tensor.Relu"/>.</remarks>
    public override Tensor Forward(Tensor input) => input.Relu();
}

/// <summary><c>tanh(x)</c>, as <c>torch.nn.Tanh</c>.</summary>
public sealed class Tanh : Module
{
    /// <inheritdoc/>
    /// <remarks>Element-wise; any shape, float32 or float64. See <see cref="Tensor.Tanh"/>.</remarks>
    public override Tensor Forward(Tensor input) => input.Tanh();
}

/// <summary><c>1 / (1 + exp(-x))</c>, as <c>torch.nn.Sigmoid</c>.</summary>
public sealed class Sigmoid : Module
{
    /// <inheritdoc/>
    /// <remarks>Element-wise; any shape, float32 or float64. See <see cref="Tensor.Sigmoid"/>.</remarks>
    public override Tensor Forward(Tensor input) => input.Sigmoid();
}
