namespace SharpOptim.NN;

/// <summary>Flattens dims <see cref="StartDim"/>..<see cref="EndDim"/> into one (a view), as <c>torch.nn.Flatten</c>.</summary>
public sealed class Flatten : Module
{
    /// <param name="startDim">First dim to merge (the default 1 keeps the batch dim).</param>
    /// <param name="endDim">Last dim to merge (negative counts from the end).</param>
    public Flatten(int startDim = 1, int endDim = -1)
    {
        StartDim = startDim;
        EndDim = endDim;
    }

    /// <summary>First dim merged.</summary>
    public int StartDim { get; }

    /// <summary>Last dim merged.</summary>
    public int EndDim { get; }

    /// <inheritdoc/>
    /// <remarks>(N, C, H, W) becomes (N, C·H·W) with the defaults; the output shares the input's storage. See <see cref="Tensor.Flatten"/>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">A dim outside the input's dims.</exception>
    public override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}
