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

    public override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);

    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}
