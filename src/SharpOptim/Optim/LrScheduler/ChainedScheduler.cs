namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Steps several schedulers together, each applying its change to the lrs the previous one left
/// (PyTorch's <c>torch.optim.lr_scheduler.ChainedScheduler</c>), e.g. a warm-up and an
/// exponential decay at once.
/// </summary>
/// <remarks>
/// Like PyTorch's, it has no epoch counter or base lrs of its own (<see cref="LastEpoch"/> and
/// <see cref="BaseLrs"/> throw) and its <see cref="Step()"/> takes no epoch.
/// </remarks>
public sealed class ChainedScheduler : LRScheduler
{
    private readonly List<LRScheduler> _schedulers;

    /// <param name="schedulers">The schedulers to step, in order; all on the same optimizer.</param>
    /// <param name="optimizer">That optimizer; by default the first scheduler's.</param>
    public ChainedScheduler(IReadOnlyList<LRScheduler> schedulers, Optimizer? optimizer = null)
        : base(OptimizerOf(schedulers, optimizer))
    {
        _schedulers = SchedulerList.Checked(nameof(ChainedScheduler), Optimizer, schedulers);
        ReadLastLrsFromGroups(_schedulers[^1].Optimizer);
        MarkInitialized();
    }

    /// <summary>The optimizer given, or the first scheduler's; an empty list is refused either way.</summary>
    private static Optimizer OptimizerOf(IReadOnlyList<LRScheduler?> schedulers, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        if (schedulers.Count < 1)
            throw new ArgumentException("ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.", nameof(schedulers));
        return optimizer ?? schedulers[0]?.Optimizer ?? throw new ArgumentException("ChainedScheduler at index 0 should have `optimizer` as its attribute.", nameof(schedulers));
    }

    /// <summary>The chained schedulers, in the order they are stepped.</summary>
    public IReadOnlyList<LRScheduler> Schedulers => _schedulers;

    internal override IReadOnlyList<LRScheduler>? NestedSchedulers => _schedulers;

    /// <summary>Steps every chained scheduler once.</summary>
    public override void Step()
    {
        foreach (var scheduler in _schedulers) scheduler.Step();
        ReadLastLrsFromGroups(_schedulers[^1].Optimizer);
    }

    /// <summary>Not supported: PyTorch's <c>ChainedScheduler.step()</c> takes no epoch.</summary>
    public override void Step(int epoch) => throw new ArgumentException("ChainedScheduler.step() takes 1 positional argument but 2 were given", nameof(epoch));

    /// <summary>Throws: a chain has no epoch counter of its own (each chained scheduler has one).</summary>
    public override int LastEpoch
    {
        get => throw NoAttribute("last_epoch");
        set => throw NoAttribute("last_epoch");
    }

    /// <summary>Throws: a chain has no base lrs of its own.</summary>
    public override IReadOnlyList<FloatOrTensor> BaseLrs => throw NoAttribute("base_lrs");

    private protected override bool ComputesLr => false;

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
        => throw new InvalidOperationException("ChainedScheduler has no get_lr of its own: it steps the schedulers it chains");

    /// <inheritdoc/>
    public override OrderedDictionary<string, object?> StateDict() => SchedulerList.Appended(base.StateDict(), _schedulers);

    private protected override Action PrepareLoad(IReadOnlyDictionary<string, object?> stateDict)
        => SchedulerList.PrepareLoad(stateDict, _schedulers, base.PrepareLoad);
}
