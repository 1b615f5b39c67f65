namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Multiplies each group's lr by a constant <c>factor</c> until epoch <c>total_iters</c>, then
/// restores it (PyTorch's <c>torch.optim.lr_scheduler.ConstantLR</c>).
/// </summary>
public sealed class ConstantLR : LRScheduler
{
    private double _factor;
    private int _totalIters;

    /// <param name="optimizer">The optimizer whose lrs to set.</param>
    /// <param name="factor">The factor applied until the milestone, in [0, 1].</param>
    /// <param name="totalIters">The number of epochs the factor applies.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start, or the epoch to resume from.</param>
    public ConstantLR(Optimizer optimizer, double factor = 1.0 / 3, int totalIters = 5, int lastEpoch = -1) : base(optimizer)
    {
        if (factor > 1.0 || factor < 0)
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "Constant multiplicative factor expected to be between 0 and 1.");
        _factor = factor;
        DeclareDouble("factor", () => _factor, v => _factor = v);
        _totalIters = totalIters;
        DeclareInt("total_iters", () => _totalIters, v => _totalIters = v);
        Initialize(lastEpoch);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        if (LastEpoch == 0) return GroupLrsTimes(_factor);
        if (LastEpoch != _totalIters) return GroupLrs();
        return GroupLrsTimes(PyMath.Div(1.0, _factor));
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeClosedFormLr()
    {
        double multiplier = _factor + (LastEpoch >= _totalIters ? 1 : 0) * (1 - _factor);
        return BaseLrs.Select(baseLr => baseLr * multiplier).ToList();
    }
}
