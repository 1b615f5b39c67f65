namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Multiplies each group's lr by <c>gamma</c> every <c>step_size</c> epochs
/// (PyTorch's <c>torch.optim.lr_scheduler.StepLR</c>). Changes made to the lr from outside are kept.
/// </summary>
public sealed class StepLR : LRScheduler
{
    private int _stepSize;
    private double _gamma;

    /// <param name="optimizer">The optimizer whose lrs to set.</param>
    /// <param name="stepSize">Period of the decay, in epochs.</param>
    /// <param name="gamma">Multiplicative factor of the decay.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start, or the epoch to resume from.</param>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1, int lastEpoch = -1) : base(optimizer)
    {
        _stepSize = stepSize;
        DeclareInt("step_size", () => _stepSize, v => _stepSize = v);
        _gamma = gamma;
        DeclareDouble("gamma", () => _gamma, v => _gamma = v);
        Initialize(lastEpoch);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        if (LastEpoch == 0 || PyMath.Mod(LastEpoch, _stepSize) != 0) return GroupLrs();
        return GroupLrsTimes(_gamma);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeClosedFormLr()
        => BaseLrs.Select(baseLr => baseLr * Math.Pow(_gamma, PyMath.FloorDiv(LastEpoch, _stepSize))).ToList();
}
