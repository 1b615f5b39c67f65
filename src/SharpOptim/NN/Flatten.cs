namespace SharpOptim.NN;

/// <summary>Flattens dims <see cref="StartDim"/>..<see cref="EndDim"/> into one (a view), as <c>torch.nn.Flatten</c>.</summary>
public sealed class Flatten : Module
{
    public Flatten(int startDim = 1, int endDim = -1)
    {
        StartDim = startDim;
        EndDim = endDim;
    }

    public int StartDim { get; }

    public int EndDim { get; }

    public override Tensor Forward(Tensor input)
    {
        if (input.Dim == 0) return input.Reshape(1);
        int start = ShapeUtil.NormalizeDim(StartDim, input.Dim), end = ShapeUtil.NormalizeDim(EndDim, input.Dim);
        if (start > end) throw new ArgumentException("flatten() has invalid args: start_dim cannot come after end_dim");
        var shape = input.ShapeRef;
        int merged = 1;
        for (int d = start; d <= end; d++) merged *= shape[d];
        return input.Reshape([.. shape[..start], merged, .. shape[(end + 1)..]]);
    }

    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}
