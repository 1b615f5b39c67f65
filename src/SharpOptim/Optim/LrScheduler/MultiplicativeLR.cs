namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Multiplies each group's current lr by a function of the epoch at every step
/// (PyTorch's <c>torch.optim.lr_scheduler.MultiplicativeLR</c>): <c>lr ← lr · lr_lambda(epoch)</c>.
/// </summary>
public sealed class MultiplicativeLR : LRScheduler
{
    private readonly List<Func<int, double>> _lrLambdas;

    /// <param name="optimizer">The optimizer whose lrs to set.</param>
    /// <param name="lrLambda">The factor for an epoch, used for every group.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start, or the epoch to resume from.</param>
    public MultiplicativeLR(Optimizer optimizer, Func<int, double> lrLambda, int lastEpoch = -1)
        : this(optimizer, LrLambdas.ForGroups(optimizer, lrLambda), lastEpoch) { }

    /// <param name="optimizer">The optimizer whose lrs to set.</param>
    /// <param name="lrLambda">One factor function per parameter group.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start, or the epoch to resume from.</param>
    public MultiplicativeLR(Optimizer optimizer, IReadOnlyList<Func<int, double>> lrLambda, int lastEpoch = -1)
        : this(optimizer, LrLambdas.ForGroups(optimizer, lrLambda), lastEpoch) { }

    private MultiplicativeLR(Optimizer optimizer, List<Func<int, double>> lrLambdas, int lastEpoch) : base(optimizer)
    {
        _lrLambdas = lrLambdas;
        Initialize(lastEpoch);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        var lrs = GroupLrs();
        if (IsInitial) return lrs;
        for (int i = 0; i < lrs.Count; i++) lrs[i] = lrs[i] * _lrLambdas[i](LastEpoch);
        return lrs;
    }

    /// <inheritdoc/>
    public override OrderedDictionary<string, object?> StateDict() => LrLambdas.Appended(base.StateDict(), _lrLambdas.Count);

    private protected override Action PrepareLoad(IReadOnlyDictionary<string, object?> stateDict) => base.PrepareLoad(LrLambdas.Stripped(stateDict));
}
