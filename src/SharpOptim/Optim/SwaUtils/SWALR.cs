namespace SharpOptim.Optim.SwaUtils;

/// <summary>
/// Anneals each parameter group's learning rate to a fixed SWA learning rate, as
/// <c>torch.optim.swa_utils.SWALR</c>: over <c>annealEpochs</c> steps the rate moves from the
/// group's current <c>lr</c> to its <c>swa_lr</c> along a cosine (<c>"cos"</c>) or a straight
/// line (<c>"linear"</c>), then stays there. Use it once SWA starts, instead of the main schedule:
/// <c>optimizer.Step(); swaScheduler.Step();</c> once per epoch.
/// </summary>
/// <remarks>
/// <para>
/// Each step recovers the rate it started from out of the group's current <c>lr</c> and the
/// previous step's annealing factor, so a schedule that changed <c>lr</c> before SWA started is
/// continued from where it left off. Like PyTorch's, the annealing position counts this
/// scheduler's own steps: a scheduler created with <c>lastEpoch</c> starts annealing from its
/// first step again. A tensor <c>lr</c> is updated in place and computed with tensor arithmetic
/// (so in its dtype), as PyTorch does; <c>swa_lr</c> is a number.
/// </para>
/// <para>
/// The scheduler machinery shared by every PyTorch scheduler (<c>LRScheduler</c>: initial
/// learning rates, <c>last_epoch</c>, <c>Step</c>, <c>GetLastLr</c>, the base state) lives in
/// <c>SWALR.LRSchedulerBase.cs</c>; this file holds what is SWALR's own.
/// </para>
/// </remarks>
public sealed partial class SWALR
{
    private string _annealStrategy;

    /// <summary>One SWA learning rate for every group.</summary>
    /// <inheritdoc cref="SWALR(Optimizer, IReadOnlyList{double}, int, string, int)"/>
    public SWALR(Optimizer optimizer, double swaLr, int annealEpochs = 10, string annealStrategy = "cos", int lastEpoch = -1)
        : this(optimizer, Enumerable.Repeat(swaLr, optimizer?.ParamGroups.Count ?? 0).ToList(), annealEpochs, annealStrategy, lastEpoch)
    {
    }

    /// <summary>One SWA learning rate per group.</summary>
    /// <param name="optimizer">The optimizer whose groups' <c>lr</c> this scheduler sets.</param>
    /// <param name="swaLr">The learning rate(s) to anneal to, stored in each group as <c>"swa_lr"</c>.</param>
    /// <param name="annealEpochs">Steps of the annealing phase (0: jump to <c>swa_lr</c> at the first step).</param>
    /// <param name="annealStrategy"><c>"cos"</c> or <c>"linear"</c>.</param>
    /// <param name="lastEpoch">-1 to start; otherwise every group must already hold <c>"initial_lr"</c>.</param>
    /// <exception cref="ArgumentException">A wrong number of rates, an unknown strategy, a negative
    /// <paramref name="annealEpochs"/>, or a resume without <c>initial_lr</c> (PyTorch's messages).
    /// Nothing is changed then; PyTorch has already written <c>swa_lr</c> into the groups when it raises.</exception>
    public SWALR(Optimizer optimizer, IReadOnlyList<double> swaLr, int annealEpochs = 10, string annealStrategy = "cos", int lastEpoch = -1)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(swaLr);
        var groups = optimizer.ParamGroups;
        if (swaLr.Count != groups.Count)
            throw new ArgumentException(
                $"swa_lr must have the same length as optimizer.param_groups. swa_lr has {swaLr.Count} values, param_groups has {groups.Count}.", nameof(swaLr));
        CheckStrategy(annealStrategy, nameof(annealStrategy));
        if (annealEpochs < 0)
            throw new ArgumentOutOfRangeException(nameof(annealEpochs), annealEpochs, $"anneal_epochs must be equal or greater than 0, got {annealEpochs}");
        CheckResumable(optimizer, lastEpoch);

        for (int i = 0; i < groups.Count; i++) groups[i]["swa_lr"] = swaLr[i];
        _annealStrategy = annealStrategy;
        AnnealEpochs = annealEpochs;
        Optimizer = optimizer;
        InitializeSchedule(lastEpoch);
    }

    /// <summary>Steps of the annealing phase.</summary>
    public int AnnealEpochs { get; private set; }

    /// <summary><c>"cos"</c> or <c>"linear"</c>.</summary>
    public string AnnealStrategy => _annealStrategy;

    /// <summary>
    /// The rates for the current step (PyTorch's <c>get_lr</c>); <see cref="Step"/>
    /// calls it. Called directly it warns, as in PyTorch: use <see cref="GetLastLr"/> instead.
    /// </summary>
    public IReadOnlyList<FloatOrTensor> GetLr() => ComputeLr().Select(ToFloatOrTensor).ToList();

    private List<object> ComputeLr()
    {
        if (!_getLrCalledWithinStep)
            TorchWarnings.Warn("UserWarning", "To get the last learning rate computed by the scheduler, please use `get_last_lr()`.");
        int step = _stepCount - 1;
        if (AnnealEpochs == 0) step = Math.Max(1, step);
        double span = Math.Max(1, AnnealEpochs);
        double prevAlpha = Anneal(Math.Clamp((step - 1) / span, 0, 1));
        double alpha = Anneal(Math.Clamp(step / span, 0, 1));
        var result = new List<object>();
        foreach (var group in Optimizer.ParamGroups)
        {
            double swaLr = group.GetDouble("swa_lr");
            var startLr = StartingLr(group["lr"]!, swaLr, prevAlpha);
            result.Add(startLr is Tensor t ? t.Mul(1 - alpha).Add(swaLr * alpha) : swaLr * alpha + (double)startLr * (1 - alpha));
        }
        return result;
    }

    /// <summary>The rate the annealing started from, recovered from the current one (PyTorch's <c>_get_initial_lr</c>).</summary>
    private static object StartingLr(object lr, double swaLr, double alpha)
    {
        if (alpha == 1) return swaLr;
        return lr is Tensor t ? t.Sub(alpha * swaLr).Div(1 - alpha) : (OptionValues.ToDouble(lr, "lr") - alpha * swaLr) / (1 - alpha);
    }

    private double Anneal(double t) => _annealStrategy == "cos" ? (1 - Math.Cos(Math.PI * t)) / 2 : t;

    private static void CheckStrategy(string? strategy, string paramName)
    {
        if (strategy is not ("cos" or "linear"))
            throw new ArgumentException($"anneal_strategy must be one of 'cos' or 'linear', instead got {strategy}", paramName);
    }

    // ---------------------------------------------------------------- state dict: SWALR's keys

    /// <summary>
    /// The scheduler's state as PyTorch's <c>state_dict()</c>: every attribute but the optimizer
    /// and the annealing function, in PyTorch's order: <c>_anneal_strategy</c>, <c>anneal_epochs</c>,
    /// <c>base_lrs</c>, <c>last_epoch</c>, <c>_step_count</c>, <c>_is_initial</c>,
    /// <c>_get_lr_called_within_step</c>, <c>_last_lr</c> (lists hold doubles or tensors).
    /// </summary>
    public OrderedDictionary<string, object?> StateDict()
    {
        var state = new OrderedDictionary<string, object?>
        {
            ["_anneal_strategy"] = _annealStrategy,
            ["anneal_epochs"] = AnnealEpochs,
        };
        AddBaseState(state);
        return state;
    }

    /// <summary>
    /// Loads a state made by <see cref="StateDict"/> (here or by PyTorch): each key given replaces
    /// that attribute, as Python's <c>__dict__.update</c>; keys this class does not know are kept
    /// and written back by <see cref="StateDict"/>. Every value is checked before anything changes.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, object?> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        string? strategy = null;
        int? annealEpochs = null;
        if (stateDict.TryGetValue("_anneal_strategy", out var s))
        {
            strategy = s as string;
            CheckStrategy(strategy, nameof(stateDict));
        }
        if (stateDict.TryGetValue("anneal_epochs", out var a)) annealEpochs = StateInt(a, "anneal_epochs");
        var applyBase = PrepareBaseState(stateDict, ["_anneal_strategy", "anneal_epochs"]);

        if (strategy is not null) _annealStrategy = strategy;
        if (annealEpochs is int epochs) AnnealEpochs = epochs;
        applyBase();
    }
}
