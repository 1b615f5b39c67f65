namespace SharpOptim.Optim.LrScheduler;

/// <summary>Multiplies each group's lr by <c>gamma</c> every epoch (PyTorch's <c>torch.optim.lr_scheduler.ExponentialLR</c>).</summary>
public sealed class ExponentialLR : LRScheduler
{
    private double _gamma;

    /// <param name="optimizer">The optimizer whose lrs to set.</param>
    /// <param name="gamma">Multiplicative factor of the decay.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start, or the epoch to resume from.</param>
    public ExponentialLR(Optimizer optimizer, double gamma, int lastEpoch = -1) : base(optimizer)
    {
        _gamma = gamma;
        DeclareDouble("gamma", () => _gamma, v => _gamma = v);
        Initialize(lastEpoch);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        // On construction (also when resuming) the lr is left where it is, not decayed one step ahead.
        if (IsInitial) return GroupLrs();
        return GroupLrsTimes(_gamma);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeClosedFormLr()
        => BaseLrs.Select(baseLr => baseLr * Math.Pow(_gamma, LastEpoch)).ToList();
}
