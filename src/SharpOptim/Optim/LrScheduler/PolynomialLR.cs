namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Decays each group's lr as <c>base_lr · (1 − epoch / total_iters)^power</c> until
/// <c>total_iters</c> (PyTorch's <c>torch.optim.lr_scheduler.PolynomialLR</c>, in its step-to-step form).
/// </summary>
public sealed class PolynomialLR : LRScheduler
{
    private int _totalIters;
    private double _power;

    /// <param name="optimizer">The optimizer whose lrs to set.</param>
    /// <param name="totalIters">The number of epochs over which the lr decays to zero.</param>
    /// <param name="power">The power of the polynomial.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start, or the epoch to resume from.</param>
    public PolynomialLR(Optimizer optimizer, int totalIters = 5, double power = 1.0, int lastEpoch = -1) : base(optimizer)
    {
        _totalIters = totalIters;
        DeclareInt("total_iters", () => _totalIters, v => _totalIters = v);
        _power = power;
        DeclareDouble("power", () => _power, v => _power = v);
        Initialize(lastEpoch);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        if (IsInitial || LastEpoch > _totalIters) return GroupLrs();
        double ratio = PyMath.Div(1.0 - PyMath.Div(LastEpoch, _totalIters), 1.0 - PyMath.Div(LastEpoch - 1, _totalIters));
        double decay = PyMath.Pow(ratio, _power);
        return GroupLrsTimes(decay);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeClosedFormLr()
    {
        double decay = PyMath.Pow(1.0 - PyMath.Div(Math.Min(_totalIters, LastEpoch), _totalIters), _power);
        return BaseLrs.Select(baseLr => baseLr * decay).ToList();
    }
}
