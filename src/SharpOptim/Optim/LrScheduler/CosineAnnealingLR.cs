namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Cosine annealing from each group's initial lr down to <c>eta_min</c> over <c>T_max</c> epochs
/// and back up, without restarts (PyTorch's <c>torch.optim.lr_scheduler.CosineAnnealingLR</c>).
/// The lr is updated recursively from its current value, as PyTorch does, so a change made to it
/// from outside carries on through the schedule.
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    private int _tMax;
    private double _etaMin;

    /// <param name="optimizer">The optimizer whose lrs to set.</param>
    /// <param name="tMax">Half the period: epochs from the initial lr to <paramref name="etaMin"/>.</param>
    /// <param name="etaMin">The minimum learning rate.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start, or the epoch to resume from.</param>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0.0, int lastEpoch = -1) : base(optimizer)
    {
        _tMax = tMax;
        DeclareInt("T_max", () => _tMax, v => _tMax = v);
        _etaMin = etaMin;
        DeclareDouble("eta_min", () => _etaMin, v => _etaMin = v);
        Initialize(lastEpoch);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        int epoch = LastEpoch;
        if (IsInitial) return GroupLrs();
        var baseLrs = BaseLrs;
        if (StepCount == 1 && epoch > 0)
        {
            // The first step after resuming mid-schedule: the closed form at this epoch.
            double cosine = 1 + Math.Cos(PyMath.Div(epoch * Math.PI, _tMax));
            var closedForm = Lrs();
            for (int i = 0; i < baseLrs.Count; i++) closedForm.Add(_etaMin + (baseLrs[i] - _etaMin) * cosine / 2);
            return closedForm;
        }
        var lrs = GroupLrs();
        if (PyMath.Mod(epoch - 1 - _tMax, 2 * _tMax) == 0)
        {
            // Leaving the minimum: the recursion's ratio would divide by zero there.
            double rise = 1 - Math.Cos(PyMath.Div(Math.PI, _tMax));
            for (int i = 0; i < lrs.Count; i++) lrs[i] = lrs[i] + (baseLrs[i] - _etaMin) * rise / 2;
            return lrs;
        }
        double ratio = PyMath.Div(1 + Math.Cos(PyMath.Div(Math.PI * epoch, _tMax)), 1 + Math.Cos(PyMath.Div(Math.PI * (epoch - 1), _tMax)));
        for (int i = 0; i < lrs.Count; i++) lrs[i] = ratio * (lrs[i] - _etaMin) + _etaMin;
        return lrs;
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeClosedFormLr()
    {
        double cosine = 1 + Math.Cos(PyMath.Div(Math.PI * LastEpoch, _tMax));
        return BaseLrs.Select(baseLr => _etaMin + (baseLr - _etaMin) * cosine / 2).ToList();
    }
}
