namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Runs schedulers one after another, switching at the given milestones (PyTorch's
/// <c>torch.optim.lr_scheduler.SequentialLR</c>), e.g. a linear warm-up then cosine annealing.
/// At each milestone the next scheduler starts from its epoch 0.
/// </summary>
public sealed class SequentialLR : LRScheduler
{
    private readonly List<LRScheduler> _schedulers;
    private List<int> _milestones;

    /// <param name="optimizer">The optimizer of every scheduler.</param>
    /// <param name="schedulers">The schedulers, in the order they run (not <see cref="ReduceLROnPlateau"/>).</param>
    /// <param name="milestones">The epochs at which the next scheduler takes over: one fewer than the schedulers.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start.</param>
    public SequentialLR(Optimizer optimizer, IReadOnlyList<LRScheduler> schedulers, IReadOnlyList<int> milestones, int lastEpoch = -1)
        : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedulers.Count < 1)
            throw new ArgumentException("SequentialLR expects at least one scheduler, but got no scheduler.", nameof(schedulers));
        _schedulers = SchedulerList.Checked(nameof(SequentialLR), Optimizer, schedulers);
        if (milestones.Count != schedulers.Count - 1)
            throw new ArgumentException($"Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers {schedulers.Count} and the number of milestones to be equal to {milestones.Count}", nameof(milestones));
        _milestones = milestones.ToList();
        Declare("_milestones", () => SchedulerStateValues.Export(_milestones), v =>
        {
            var x = SchedulerStateValues.ToIntList(v, "_milestones");
            return () => _milestones = x;
        });
        LastEpoch = lastEpoch + 1;
        DeclareInt("last_epoch", () => LastEpoch, v => LastEpoch = v);

        var snapshot = ParamGroupsSnapshot.Take(Optimizer);
        var epochs = AllSchedulers(this).Select(s => (s, s.LastEpoch)).ToList();
        try
        {
            // Back to the initial lrs, and undo the step each scheduler took on construction:
            // only the one that runs at epoch 0 takes its initial step again.
            foreach (var group in Optimizer.ParamGroups)
                ParamGroupValues.Write(group, "lr", FloatOrTensor.FromOption(group["initial_lr"], "initial_lr").Clone());
            foreach (var (scheduler, _) in epochs) scheduler.LastEpoch -= 1;
            var first = _schedulers[PyMath.BisectRight(_milestones, 0)];
            first.InitialStep();
            CopyLastLrs(first);
        }
        catch
        {
            snapshot.Restore();
            foreach (var (scheduler, epoch) in epochs) scheduler.LastEpoch = epoch;
            throw;
        }
        MarkInitialized();
    }

    /// <summary>The non-container schedulers under <paramref name="scheduler"/> (PyTorch's <c>recursive_undo</c> walk).</summary>
    private static IEnumerable<LRScheduler> AllSchedulers(LRScheduler scheduler)
        => scheduler.NestedSchedulers is { } nested ? nested.SelectMany(AllSchedulers) : [scheduler];

    /// <summary>The schedulers, in the order they run.</summary>
    public IReadOnlyList<LRScheduler> Schedulers => _schedulers;

    /// <summary>The epochs at which the next scheduler takes over.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    internal override IReadOnlyList<LRScheduler>? NestedSchedulers => _schedulers;

    /// <summary>Advances one epoch: steps the scheduler in charge, or starts the next one at a milestone.</summary>
    public override void Step()
    {
        LastEpoch += 1;
        try
        {
            int index = PyMath.BisectRight(_milestones, LastEpoch);
            var scheduler = _schedulers[index];
            if (index > 0 && _milestones[index - 1] == LastEpoch) scheduler.UpdateLr(0);
            else scheduler.Step();
            CopyLastLrs(scheduler);
        }
        catch
        {
            LastEpoch -= 1;
            throw;
        }
    }

    /// <summary>Not supported: PyTorch's <c>SequentialLR.step()</c> takes no epoch.</summary>
    public override void Step(int epoch) => throw new ArgumentException("SequentialLR.step() takes 1 positional argument but 2 were given", nameof(epoch));

    /// <summary>Throws: the sequence has no base lrs of its own.</summary>
    public override IReadOnlyList<FloatOrTensor> BaseLrs => throw NoAttribute("base_lrs");

    private protected override bool ComputesLr => false;

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
        => throw new InvalidOperationException("SequentialLR has no get_lr of its own: it steps the scheduler in charge");

    /// <inheritdoc/>
    public override OrderedDictionary<string, object?> StateDict() => SchedulerList.Appended(base.StateDict(), _schedulers);

    private protected override Action PrepareLoad(IReadOnlyDictionary<string, object?> stateDict)
        => SchedulerList.PrepareLoad(stateDict, _schedulers, base.PrepareLoad);
}
