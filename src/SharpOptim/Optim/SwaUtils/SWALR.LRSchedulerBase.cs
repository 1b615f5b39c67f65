using System.Collections;
using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.SwaUtils;

// ============================================================================================
// MOVES TO THE SHARED LRScheduler BASE (SharpOptim.Optim.LrScheduler) WHEN THE BRANCHES MERGE.
// Everything in this file is PyTorch's LRScheduler, not SWALR: the initial_lr bookkeeping,
// base_lrs, last_epoch, the step counter and the initial step, Step(epoch) with its warnings,
// GetLastLr, writing a computed rate into a group (in place for a tensor lr), and the base
// half of the state dict. SWALR.cs calls only InitializeSchedule, CheckResumable, AddBaseState,
// PrepareBaseState, StateInt and ToFloatOrTensor, and reads _stepCount and
// _getLrCalledWithinStep; its ComputeLr is the base's abstract get_lr.
// ============================================================================================
public sealed partial class SWALR
{
    private const string EpochDeprecationWarning =
        "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. " +
        "Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from None, " +
        "the closed form is used instead of the new chainable form, where available. " +
        "Please open an issue if you are unable to replicate your use case: https://github.com/pytorch/pytorch/issues/new/choose.";

    // PyTorch wraps optimizer.step once per optimizer to note that it ran (optimizer._opt_called);
    // here one step post-hook per optimizer sets this flag.
    private static readonly ConditionalWeakTable<Optimizer, StrongBox<bool>> OptimizerStepped = new();

    private static readonly string[] BaseStateKeys =
        ["base_lrs", "last_epoch", "_step_count", "_is_initial", "_get_lr_called_within_step", "_last_lr"];

    private List<object> _baseLrs = [];
    private List<object> _lastLr = [];
    private int _stepCount;
    private bool _isInitial;
    private bool _getLrCalledWithinStep;
    private readonly OrderedDictionary<string, object?> _extraState = new();
    private StrongBox<bool> _optimizerStepped = new();

    /// <summary>The optimizer whose learning rates this scheduler sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Each group's <c>initial_lr</c> when the scheduler was made (PyTorch's <c>base_lrs</c>).</summary>
    public IReadOnlyList<FloatOrTensor> BaseLrs => _baseLrs.Select(ToFloatOrTensor).ToList();

    /// <summary>The index of the last epoch (PyTorch's <c>last_epoch</c>); -1 before the initial step.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The rates the last step set, one per group (a tensor lr as a copy).</summary>
    public IReadOnlyList<FloatOrTensor> GetLastLr() => _lastLr.Select(ToFloatOrTensor).ToList();

    /// <summary>
    /// Advances the schedule and writes the new rates into the groups; call it after
    /// <c>optimizer.Step()</c>. An <paramref name="epoch"/> sets <see cref="LastEpoch"/> instead of
    /// incrementing it (deprecated in PyTorch, which warns, as here).
    /// </summary>
    public void Step(int? epoch = null)
    {
        if (_stepCount == 1 && !_optimizerStepped.Value)
            TorchWarnings.Warn("UserWarning",
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should call them in the opposite order: " +
                "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value of the learning rate schedule. " +
                "See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate");
        _stepCount++;
        if (epoch is not null) TorchWarnings.Warn("UserWarning", EpochDeprecationWarning);

        List<object> values;
        _getLrCalledWithinStep = true;
        try
        {
            LastEpoch = epoch ?? LastEpoch + 1;
            values = ComputeLr();
        }
        finally
        {
            _getLrCalledWithinStep = false;
        }
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++)
        {
            if (groups[i]["lr"] is Tensor lr) lr.Fill_(values[i] is Tensor t ? t.Item() : (double)values[i]);
            else groups[i]["lr"] = values[i];
        }
        _lastLr = GroupValues("lr");
    }

    /// <summary>PyTorch's resume rule: with <paramref name="lastEpoch"/> other than -1, every group must hold <c>initial_lr</c>.</summary>
    private static void CheckResumable(Optimizer optimizer, int lastEpoch)
    {
        if (lastEpoch == -1) return;
        for (int i = 0; i < optimizer.ParamGroups.Count; i++)
            if (!optimizer.ParamGroups[i].ContainsKey("initial_lr"))
                throw new ArgumentException(
                    $"param 'initial_lr' is not specified in param_groups[{i}] when resuming scheduler with last_epoch >= 0.\n" +
                    "This typically happens when:\n" +
                    "1. You're trying to resume training from a checkpoint but haven't properly loaded the optimizer state\n" +
                    "2. You're using last_epoch >= 0 for a fresh training run (not recommended)", nameof(lastEpoch));
    }

    /// <summary>LRScheduler.__init__ after the checks: initial_lr, base_lrs, last_epoch, the step hook, the initial step.</summary>
    private void InitializeSchedule(int lastEpoch)
    {
        if (lastEpoch == -1)
            foreach (var group in Optimizer.ParamGroups)
                group.SetDefault("initial_lr", CopyLr(group["lr"]));
        _baseLrs = GroupValues("initial_lr");
        LastEpoch = lastEpoch;
        _optimizerStepped = OptimizerStepped.GetValue(Optimizer, optimizer =>
        {
            var stepped = new StrongBox<bool>();
            optimizer.RegisterStepPostHook((_, _) => stepped.Value = true);
            return stepped;
        });
        _stepCount = 0;
        _isInitial = true;
        try { Step(); }
        finally { _isInitial = false; }
    }

    /// <summary>Each group's <paramref name="key"/>, a tensor cloned (PyTorch's <c>_param_groups_val_list</c>).</summary>
    private List<object> GroupValues(string key) => Optimizer.ParamGroups.Select(g => CopyLr(g[key])).ToList();

    private static object CopyLr(object? value) => value switch
    {
        Tensor t => t.Clone(),
        null => throw new ArgumentException("a param group's learning rate is null"),
        _ => OptionValues.ToDouble(value, "lr"),
    };

    private static FloatOrTensor ToFloatOrTensor(object value) => value is Tensor t ? t : (double)value;

    // ---------------------------------------------------------------- state dict: the base keys

    private void AddBaseState(OrderedDictionary<string, object?> state)
    {
        state["base_lrs"] = new List<object?>(_baseLrs);
        state["last_epoch"] = LastEpoch;
        state["_step_count"] = _stepCount;
        state["_is_initial"] = _isInitial;
        state["_get_lr_called_within_step"] = _getLrCalledWithinStep;
        state["_last_lr"] = new List<object?>(_lastLr);
        foreach (var (key, value) in _extraState) state[key] = value;
    }

    /// <summary>
    /// Checks the base keys of a state dict and returns the action that applies them (with every
    /// key not in <paramref name="ownKeys"/> or the base's kept as extra state).
    /// </summary>
    private Action PrepareBaseState(IReadOnlyDictionary<string, object?> stateDict, IReadOnlyCollection<string> ownKeys)
    {
        List<object>? baseLrs = null, lastLr = null;
        int? lastEpoch = null, stepCount = null;
        bool? isInitial = null, withinStep = null;
        var extras = new List<KeyValuePair<string, object?>>();
        foreach (var (key, value) in stateDict)
        {
            switch (key)
            {
                case "base_lrs": baseLrs = StateLrList(value, key); break;
                case "_last_lr": lastLr = StateLrList(value, key); break;
                case "last_epoch": lastEpoch = StateInt(value, key); break;
                case "_step_count": stepCount = StateInt(value, key); break;
                case "_is_initial": isInitial = StateBool(value, key); break;
                case "_get_lr_called_within_step": withinStep = StateBool(value, key); break;
                case "optimizer" or "anneal_func":
                    throw new ArgumentException($"a scheduler state dict cannot hold '{key}'", nameof(stateDict));
                default:
                    if (!ownKeys.Contains(key)) extras.Add(new(key, value));
                    break;
            }
        }
        return () =>
        {
            if (baseLrs is not null) _baseLrs = baseLrs;
            if (lastLr is not null) _lastLr = lastLr;
            if (lastEpoch is int e) LastEpoch = e;
            if (stepCount is int c) _stepCount = c;
            if (isInitial is bool i) _isInitial = i;
            if (withinStep is bool w) _getLrCalledWithinStep = w;
            foreach (var (key, value) in extras) _extraState[key] = value;
        };
    }

    private static int StateInt(object? value, string key) => value switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        _ => throw new ArgumentException($"scheduler state '{key}' must be an integer, got {PyRepr.Value(value)}", "stateDict"),
    };

    private static bool StateBool(object? value, string key)
        => value as bool? ?? throw new ArgumentException($"scheduler state '{key}' must be a bool, got {PyRepr.Value(value)}", "stateDict");

    private static List<object> StateLrList(object? value, string key)
    {
        if (value is not IEnumerable items || value is string)
            throw new ArgumentException($"scheduler state '{key}' must be a list of learning rates, got {PyRepr.Value(value)}", "stateDict");
        var result = new List<object>();
        foreach (var item in items)
            result.Add(item switch
            {
                Tensor t => t,
                double or float or int or long => OptionValues.ToDouble(item, key),
                _ => throw new ArgumentException($"scheduler state '{key}' holds {PyRepr.Value(item)}, not a learning rate", "stateDict"),
            });
        return result;
    }
}
