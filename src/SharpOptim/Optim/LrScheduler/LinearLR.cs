namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Scales each group's lr by a factor that moves linearly from <c>start_factor</c> to
/// <c>end_factor</c> over <c>total_iters</c> epochs, then keeps it (PyTorch's
/// <c>torch.optim.lr_scheduler.LinearLR</c>) — the usual warm-up.
/// </summary>
public sealed class LinearLR : LRScheduler
{
    private double _startFactor;
    private double _endFactor;
    private int _totalIters;

    /// <param name="optimizer">The optimizer whose lrs to set.</param>
    /// <param name="startFactor">The factor at the first epoch, in (0, 1].</param>
    /// <param name="endFactor">The factor reached after <paramref name="totalIters"/> epochs, in [0, 1].</param>
    /// <param name="totalIters">The number of epochs the factor takes to reach <paramref name="endFactor"/>.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start, or the epoch to resume from.</param>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5, int lastEpoch = -1)
        : base(optimizer)
    {
        if (startFactor > 1.0 || startFactor <= 0)
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.");
        if (endFactor > 1.0 || endFactor < 0)
            throw new ArgumentOutOfRangeException(nameof(endFactor), endFactor, "Ending multiplicative factor expected to be between 0 and 1.");
        _startFactor = startFactor;
        DeclareDouble("start_factor", () => _startFactor, v => _startFactor = v);
        _endFactor = endFactor;
        DeclareDouble("end_factor", () => _endFactor, v => _endFactor = v);
        _totalIters = totalIters;
        DeclareInt("total_iters", () => _totalIters, v => _totalIters = v);
        Initialize(lastEpoch);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        if (LastEpoch == 0) return GroupLrsTimes(_startFactor);
        if (IsInitial || LastEpoch > _totalIters) return GroupLrs();
        double span = _endFactor - _startFactor;
        double multiplier = 1.0 + PyMath.Div(span, _totalIters * _startFactor + (LastEpoch - 1) * span);
        return GroupLrsTimes(multiplier);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeClosedFormLr()
    {
        double multiplier = _startFactor + PyMath.Div((_endFactor - _startFactor) * Math.Min(_totalIters, LastEpoch), _totalIters);
        return BaseLrs.Select(baseLr => baseLr * multiplier).ToList();
    }
}
