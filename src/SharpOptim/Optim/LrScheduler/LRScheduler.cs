namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// The base of every learning-rate scheduler, with PyTorch 2.14's semantics
/// (<c>torch.optim.lr_scheduler.LRScheduler</c>): it records each group's <c>initial_lr</c>, keeps
/// <see cref="BaseLrs"/>, <see cref="LastEpoch"/> and the last learning rates, steps itself once on
/// construction, and writes the lrs it computes into the optimizer's groups (into a tensor lr in
/// place). Call <see cref="Step()"/> after <see cref="Optimizer.Step"/>.
/// </summary>
/// <remarks>
/// To write a scheduler: set up its own fields in its constructor (validating its arguments), then
/// call <see cref="Initialize"/> — the equivalent of PyTorch's <c>super().__init__(optimizer,
/// last_epoch)</c> — and implement <see cref="ComputeLr"/> (PyTorch's <c>get_lr</c>), plus
/// <see cref="ComputeClosedFormLr"/> when the schedule has a closed form. Declare the fields that
/// belong in the state dict with the <c>Declare…</c> methods, in the order PyTorch assigns them.
/// </remarks>
public abstract partial class LRScheduler
{
    private List<FloatOrTensor> _baseLrs = [];
    private List<FloatOrTensor> _lastLr = [];
    private readonly List<FloatOrTensor> _computed = [];
    private bool _lastLrDeclared;
    private bool _getLrFlagDeclared;
    private int _lastEpoch;
    private int _stepCount;
    private bool _isInitial;
    private bool _getLrCalledWithinStep;
    private bool _initialized;

    /// <summary>Attaches the scheduler to <paramref name="optimizer"/>; the subclass then calls <see cref="Initialize"/>.</summary>
    protected LRScheduler(Optimizer optimizer)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
    }

    /// <summary>The optimizer whose learning rates this scheduler sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The index of the last epoch (or batch) stepped; -1 before the first step (PyTorch's <c>last_epoch</c>).</summary>
    public virtual int LastEpoch
    {
        get => _lastEpoch;
        set => _lastEpoch = value;
    }

    /// <summary>Each group's <c>initial_lr</c> when the scheduler was built (PyTorch's <c>base_lrs</c>).</summary>
    public virtual IReadOnlyList<FloatOrTensor> BaseLrs => _baseLrs;

    /// <summary>The base lrs, replaceable by subclasses that define them otherwise (CyclicLR).</summary>
    private protected List<FloatOrTensor> BaseLrList
    {
        get => _baseLrs;
        set => _baseLrs = value;
    }

    /// <summary>How many times <see cref="Step()"/> ran, the step on construction included (PyTorch's <c>_step_count</c>).</summary>
    protected int StepCount => _stepCount;

    /// <summary>True during the step taken on construction (PyTorch's <c>_is_initial</c>).</summary>
    protected bool IsInitial => _isInitial;

    /// <summary>
    /// The learning rates the scheduler last set, one per group, of the same kind (number or
    /// tensor) as the groups' <c>lr</c>. Tensors are copies that never alias the groups. The list
    /// is a copy made for this call: the scheduler refills its own at every step.
    /// </summary>
    public IReadOnlyList<FloatOrTensor> GetLastLr() => _lastLr.ToArray();

    /// <summary>The last lrs as the scheduler holds them (refilled in place by every step).</summary>
    private protected IReadOnlyList<FloatOrTensor> LastLrs => _lastLr;

    /// <summary>Sets the last lrs to the groups' current lrs (PyTorch's <c>self._last_lr = _param_groups_val_list(optimizer, "lr")</c>), in place.</summary>
    private protected void ReadLastLrsFromGroups(Optimizer optimizer)
    {
        ParamGroupValues.ReadInto(optimizer, "lr", _lastLr);
        DeclareLastLr();
    }

    /// <summary>Sets the last lrs to another scheduler's (SequentialLR takes them from the scheduler in charge), in place.</summary>
    private protected void CopyLastLrs(LRScheduler from)
    {
        if (!ReferenceEquals(from._lastLr, _lastLr))
        {
            _lastLr.Clear();
            _lastLr.AddRange(from._lastLr);
        }
        DeclareLastLr();
    }

    // Declared where PyTorch first assigns _last_lr; checked first, so a step builds no delegates.
    private void DeclareLastLr()
    {
        if (_lastLrDeclared) return;
        _lastLrDeclared = true;
        DeclareLrList("_last_lr", () => _lastLr, v => _lastLr = v);
    }

    private void DeclareGetLrFlag()
    {
        if (_getLrFlagDeclared) return;
        _getLrFlagDeclared = true;
        DeclareBool("_get_lr_called_within_step", () => _getLrCalledWithinStep, v => _getLrCalledWithinStep = v);
    }

    /// <summary>
    /// Computes the learning rates for the current <see cref="LastEpoch"/> (PyTorch's
    /// <c>get_lr</c>). Called outside <see cref="Step()"/> it warns, as PyTorch does, because the
    /// last computed rates are what <see cref="GetLastLr"/> returns; some schedulers (CyclicLR,
    /// OneCycleLR) also move the momentum when this runs.
    /// </summary>
    public IReadOnlyList<FloatOrTensor> GetLr() => ComputeLrChecked().ToArray();

    /// <summary>GetLr's body, returning the list <see cref="ComputeLr"/> made (for the built-in schedulers a list reused by every step).</summary>
    private IReadOnlyList<FloatOrTensor> ComputeLrChecked()
    {
        if (!_getLrCalledWithinStep && ComputesLr) SchedulerWarnings.Warn(SchedulerWarnings.GetLrOutsideStep);
        return ComputeLr();
    }

    /// <summary>False for the schedulers that have no <c>get_lr</c> of their own (they only delegate or react to a metric).</summary>
    private protected virtual bool ComputesLr => true;

    /// <summary>
    /// The learning rates at <see cref="LastEpoch"/>, one per group (PyTorch's <c>get_lr</c> body).
    /// The scheduler reads the list before it computes again, so an implementation may return the
    /// same list every time (the built-in ones fill <see cref="GroupLrs"/> or <see cref="Lrs"/>).
    /// </summary>
    protected abstract IReadOnlyList<FloatOrTensor> ComputeLr();

    /// <summary>
    /// The groups' current lrs (tensors cloned) in a list the scheduler reuses at every
    /// computation, for <see cref="ComputeLr"/> to return, possibly after changing its items.
    /// </summary>
    private protected List<FloatOrTensor> GroupLrs() => ParamGroupValues.ReadInto(Optimizer, "lr", _computed);

    /// <summary>The reused list of <see cref="GroupLrs"/>, emptied, for <see cref="ComputeLr"/> to fill.</summary>
    private protected List<FloatOrTensor> Lrs()
    {
        _computed.Clear();
        return _computed;
    }

    /// <summary><see cref="GroupLrs"/>, each multiplied by <paramref name="factor"/>.</summary>
    private protected List<FloatOrTensor> GroupLrsTimes(double factor)
    {
        var lrs = GroupLrs();
        for (int i = 0; i < lrs.Count; i++) lrs[i] = lrs[i] * factor;
        return lrs;
    }

    /// <summary>
    /// The learning rates at <see cref="LastEpoch"/> from the closed-form formula, used by the
    /// deprecated <see cref="Step(int)"/>; null when the schedule has none (then
    /// <see cref="ComputeLr"/> is used).
    /// </summary>
    protected virtual IReadOnlyList<FloatOrTensor>? ComputeClosedFormLr() => null;

    /// <summary>
    /// PyTorch's <c>LRScheduler.__init__</c>: with <paramref name="lastEpoch"/> = -1 every group
    /// gets <c>initial_lr</c> = its lr (unless it has one); when resuming (<paramref name="lastEpoch"/>
    /// ≥ 0) every group must already hold <c>initial_lr</c>. Then the base lrs are read and the
    /// scheduler takes its first step. Subclasses call this at the end of their constructor. If
    /// anything fails the optimizer's groups are put back as they were.
    /// </summary>
    protected void Initialize(int lastEpoch)
    {
        var snapshot = ParamGroupsSnapshot.Take(Optimizer);
        try
        {
            var groups = Optimizer.ParamGroups;
            if (lastEpoch == -1)
            {
                foreach (var group in groups)
                    if (!group.ContainsKey("initial_lr")) group["initial_lr"] = FloatOrTensor.FromOption(group["lr"], "lr").Clone().AsOption;
            }
            else
            {
                for (int i = 0; i < groups.Count; i++)
                    if (!groups[i].ContainsKey("initial_lr"))
                        throw new ArgumentException(
                            $"param 'initial_lr' is not specified in param_groups[{i}] when resuming scheduler with last_epoch >= 0.\n" +
                            "This typically happens when:\n" +
                            "1. You're trying to resume training from a checkpoint but haven't properly loaded the optimizer state\n" +
                            "2. You're using last_epoch >= 0 for a fresh training run (not recommended)", nameof(lastEpoch));
            }
            _baseLrs = ParamGroupValues.Read(Optimizer, "initial_lr");
            DeclareLrList("base_lrs", () => _baseLrs, v => _baseLrs = v);
            _lastEpoch = lastEpoch;
            DeclareInt("last_epoch", () => _lastEpoch, v => _lastEpoch = v);
            OptimizerStepTracker.Watch(Optimizer);
            _initialized = true;
            InitialStep();
        }
        catch
        {
            snapshot.Restore();
            _initialized = false;
            throw;
        }
    }

    /// <summary>For the schedulers that do not go through <see cref="Initialize"/> (they have no base lrs of their own).</summary>
    private protected void MarkInitialized()
    {
        OptimizerStepTracker.Watch(Optimizer);
        _initialized = true;
    }

    /// <summary>The step taken on construction (PyTorch's <c>_initial_step</c>); SequentialLR also calls it on the scheduler it starts with.</summary>
    internal void InitialStep()
    {
        _stepCount = 0;
        DeclareInt("_step_count", () => _stepCount, v => _stepCount = v);
        _isInitial = true;
        DeclareBool("_is_initial", () => _isInitial, v => _isInitial = v);
        try
        {
            Step();
        }
        finally
        {
            _isInitial = false;
        }
    }

    /// <summary>Advances the schedule by one epoch (or batch) and writes the new lrs into the optimizer.</summary>
    public virtual void Step() => StepWith(null);

    /// <summary>
    /// Deprecated in PyTorch: jumps to <paramref name="epoch"/> and uses the closed form where the
    /// scheduler has one (warns, as PyTorch does).
    /// </summary>
    public virtual void Step(int epoch) => StepWith(epoch);

    private void StepWith(int? epoch)
    {
        if (!_initialized)
            throw new InvalidOperationException($"{GetType().Name} was not initialized: its constructor must call Initialize(lastEpoch)");
        // Both warnings come before anything changes: with TorchWarningAction.Error a warning throws.
        if (_stepCount == 1 && !OptimizerStepTracker.HasStepped(Optimizer))
            SchedulerWarnings.Warn(SchedulerWarnings.StepBeforeOptimizer);
        if (epoch is not null) SchedulerWarnings.Warn(SchedulerWarnings.EpochDeprecation);
        _stepCount++;
        try
        {
            UpdateLr(epoch);
        }
        catch
        {
            _stepCount--;
            throw;
        }
    }

    /// <summary>
    /// Moves <see cref="LastEpoch"/> (to the next epoch, or to <paramref name="epoch"/> with the
    /// closed form), computes the lrs and writes them into the groups (PyTorch's <c>_update_lr</c>).
    /// On an error the scheduler and the optimizer are left as they were.
    /// </summary>
    internal void UpdateLr(int? epoch)
    {
        int previousEpoch = _lastEpoch;
        IReadOnlyList<FloatOrTensor> values;
        _getLrCalledWithinStep = true;
        DeclareGetLrFlag();
        try
        {
            if (epoch is null)
            {
                _lastEpoch++;
                values = ComputeLrChecked();
            }
            else
            {
                _lastEpoch = epoch.Value;
                values = ComputeClosedFormLr() ?? ComputeLrChecked();
            }
            if (values.Count != Optimizer.ParamGroups.Count)
                throw new InvalidOperationException($"{GetType().Name} computed {values.Count} learning rates for {Optimizer.ParamGroups.Count} parameter groups");
        }
        catch
        {
            _lastEpoch = previousEpoch;
            throw;
        }
        finally
        {
            _getLrCalledWithinStep = false;
        }
        WriteLrs(values);
    }

    /// <summary>Writes one lr per group and records them as the last lrs.</summary>
    private protected void WriteLrs(IReadOnlyList<FloatOrTensor> values)
    {
        for (int i = 0; i < values.Count; i++) ParamGroupValues.Write(Optimizer.ParamGroups[i], "lr", values[i]);
        ReadLastLrsFromGroups(Optimizer);
    }

    /// <summary><c>group[key]</c> of every group, tensors cloned (PyTorch's <c>_param_groups_val_list</c>).</summary>
    protected List<FloatOrTensor> GroupValues(string key) => ParamGroupValues.Read(Optimizer, key);

    /// <summary>Runs the body of <see cref="GetLr"/> marked as inside a step (no warning), as PyTorch's <c>_enable_get_lr_call</c>.</summary>
    private protected IReadOnlyList<FloatOrTensor> GetLrWithinStep()
    {
        bool previous = _getLrCalledWithinStep;
        _getLrCalledWithinStep = true;
        DeclareGetLrFlag();
        try
        {
            return ComputeLrChecked();
        }
        finally
        {
            _getLrCalledWithinStep = previous;
        }
    }

    /// <summary>The schedulers a container (ChainedScheduler, SequentialLR) drives; null for the others.</summary>
    internal virtual IReadOnlyList<LRScheduler>? NestedSchedulers => null;

    /// <summary>PyTorch's AttributeError for an attribute this kind of scheduler does not have.</summary>
    private protected InvalidOperationException NoAttribute(string name) => new($"'{GetType().Name}' object has no attribute '{name}'");
}
