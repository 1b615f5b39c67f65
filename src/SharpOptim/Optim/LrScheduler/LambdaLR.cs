namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Sets each group's lr to its initial lr times a function of the epoch
/// (PyTorch's <c>torch.optim.lr_scheduler.LambdaLR</c>): <c>lr = base_lr · lr_lambda(epoch)</c>.
/// </summary>
public sealed class LambdaLR : LRScheduler
{
    private readonly List<Func<int, double>> _lrLambdas;

    /// <param name="optimizer">The optimizer whose lrs to set.</param>
    /// <param name="lrLambda">The multiplicative factor for an epoch, used for every group.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start, or the epoch to resume from (the groups must hold <c>initial_lr</c>).</param>
    public LambdaLR(Optimizer optimizer, Func<int, double> lrLambda, int lastEpoch = -1)
        : this(optimizer, LrLambdas.ForGroups(optimizer, lrLambda), lastEpoch) { }

    /// <param name="optimizer">The optimizer whose lrs to set.</param>
    /// <param name="lrLambda">One factor function per parameter group.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start, or the epoch to resume from.</param>
    public LambdaLR(Optimizer optimizer, IReadOnlyList<Func<int, double>> lrLambda, int lastEpoch = -1)
        : this(optimizer, LrLambdas.ForGroups(optimizer, lrLambda), lastEpoch) { }

    private LambdaLR(Optimizer optimizer, List<Func<int, double>> lrLambdas, int lastEpoch) : base(optimizer)
    {
        _lrLambdas = lrLambdas;
        Initialize(lastEpoch);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        var lrs = Lrs();
        var baseLrs = BaseLrs;
        for (int i = 0; i < baseLrs.Count; i++) lrs.Add(baseLrs[i] * _lrLambdas[i](LastEpoch));
        return lrs;
    }

    /// <inheritdoc/>
    public override OrderedDictionary<string, object?> StateDict() => LrLambdas.Appended(base.StateDict(), _lrLambdas.Count);

    private protected override Action PrepareLoad(IReadOnlyDictionary<string, object?> stateDict) => base.PrepareLoad(LrLambdas.Stripped(stateDict));
}
