namespace SharpOptim.Optim;

/// <summary>Called before a step; may return replacement arguments (null keeps them).</summary>
public delegate StepArgs? StepPreHook(Optimizer optimizer, StepArgs args);

/// <summary>Called after a step.</summary>
public delegate void StepPostHook(Optimizer optimizer, StepArgs args);

/// <summary>Called before <see cref="Optimizer.StateDict"/> builds the dictionary.</summary>
public delegate void StateDictPreHook(Optimizer optimizer);

/// <summary>Called with the finished state dict; may return a replacement (null keeps it).</summary>
public delegate OptimizerStateDict? StateDictPostHook(Optimizer optimizer, OptimizerStateDict stateDict);

/// <summary>Called with a shallow copy of the dict about to be loaded; may return a replacement (null keeps it).</summary>
public delegate OptimizerStateDict? LoadStateDictPreHook(Optimizer optimizer, OptimizerStateDict stateDict);

/// <summary>Called after a state dict was loaded.</summary>
public delegate void LoadStateDictPostHook(Optimizer optimizer);

// Every hook PyTorch's Optimizer has, each registration returning a removable handle. Order is
// PyTorch's: global pre, instance pre, step, instance post, global post. Every list may be
// changed from any thread, also while optimizers step (see HookList).
public abstract partial class Optimizer
{
    private static readonly HookList<StepPreHook> GlobalStepPreHooks = new();
    private static readonly HookList<StepPostHook> GlobalStepPostHooks = new();
    private readonly HookList<StepPreHook> _stepPreHooks = new();
    private readonly HookList<StepPostHook> _stepPostHooks = new();
    private readonly HookList<StateDictPreHook> _stateDictPreHooks = new();
    private readonly HookList<StateDictPostHook> _stateDictPostHooks = new();
    private readonly HookList<LoadStateDictPreHook> _loadStateDictPreHooks = new();
    private readonly HookList<LoadStateDictPostHook> _loadStateDictPostHooks = new();

    /// <summary>A pre-step hook for every optimizer (PyTorch's <c>register_optimizer_step_pre_hook</c>).</summary>
    public static RemovableHandle RegisterOptimizerStepPreHook(StepPreHook hook) => GlobalStepPreHooks.Add(hook);

    /// <summary>
    /// A pre-step hook for every optimizer that only observes (a Python hook that returns None),
    /// e.g. <c>(opt, args) =&gt; Console.WriteLine(opt)</c>.
    /// </summary>
    public static RemovableHandle RegisterOptimizerStepPreHook(Action<Optimizer, StepArgs> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return GlobalStepPreHooks.Add(Observing(hook));
    }

    /// <summary>A post-step hook for every optimizer (PyTorch's <c>register_optimizer_step_post_hook</c>).</summary>
    public static RemovableHandle RegisterOptimizerStepPostHook(StepPostHook hook) => GlobalStepPostHooks.Add(hook);

    /// <summary>A pre-step hook (PyTorch's <c>register_step_pre_hook</c>): it may return replacement arguments, or null to keep them.</summary>
    public RemovableHandle RegisterStepPreHook(StepPreHook hook) => _stepPreHooks.Add(hook);

    /// <summary>A pre-step hook that only observes (a Python hook that returns None), e.g. <c>(opt, args) =&gt; Console.WriteLine(opt)</c>.</summary>
    public RemovableHandle RegisterStepPreHook(Action<Optimizer, StepArgs> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return _stepPreHooks.Add(Observing(hook));
    }

    /// <summary>A state-dict post-hook that only observes (returns None in Python): the dict is kept.</summary>
    public RemovableHandle RegisterStateDictPostHook(Action<Optimizer, OptimizerStateDict> hook, bool prepend = false)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return _stateDictPostHooks.Add((o, d) => { hook(o, d); return null; }, prepend);
    }

    /// <summary>A load-state-dict pre-hook that only observes (returns None in Python): the dict is loaded as given.</summary>
    public RemovableHandle RegisterLoadStateDictPreHook(Action<Optimizer, OptimizerStateDict> hook, bool prepend = false)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return _loadStateDictPreHooks.Add((o, d) => { hook(o, d); return null; }, prepend);
    }

    /// <summary>An observing hook as a pre-hook that keeps the arguments.</summary>
    private static StepPreHook Observing(Action<Optimizer, StepArgs> hook) => (o, args) => { hook(o, args); return null; };

    /// <summary>A post-step hook (PyTorch's <c>register_step_post_hook</c>).</summary>
    public RemovableHandle RegisterStepPostHook(StepPostHook hook) => _stepPostHooks.Add(hook);

    /// <summary>
    /// Registers <paramref name="hook"/> to run before <see cref="StateDict"/> builds the dictionary,
    /// as PyTorch's <c>register_state_dict_pre_hook</c> (e.g. to move state to a common device or flush
    /// a lazily kept buffer).
    /// </summary>
    /// <param name="hook">Called with this optimizer.</param>
    /// <param name="prepend">Run before the hooks already registered instead of after them.</param>
    /// <returns>A handle whose <see cref="RemovableHandle.Remove"/> unregisters the hook.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="hook"/> is null.</exception>
    public RemovableHandle RegisterStateDictPreHook(StateDictPreHook hook, bool prepend = false) => _stateDictPreHooks.Add(hook, prepend);

    /// <summary>
    /// Registers <paramref name="hook"/> to run on the finished state dict, as PyTorch's
    /// <c>register_state_dict_post_hook</c>; a non-null return replaces the dict that
    /// <see cref="StateDict"/> returns (and that later hooks see).
    /// </summary>
    /// <param name="hook">Called with this optimizer and the dict; returns a replacement or null.</param>
    /// <param name="prepend">Run before the hooks already registered instead of after them.</param>
    /// <returns>A handle whose <see cref="RemovableHandle.Remove"/> unregisters the hook.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="hook"/> is null.</exception>
    public RemovableHandle RegisterStateDictPostHook(StateDictPostHook hook, bool prepend = false) => _stateDictPostHooks.Add(hook, prepend);

    /// <summary>
    /// Registers <paramref name="hook"/> to run on a shallow copy of the dict given to
    /// <see cref="LoadStateDict(OptimizerStateDict)"/> before it is loaded, as PyTorch's
    /// <c>register_load_state_dict_pre_hook</c>; a non-null return is loaded instead (e.g. to migrate
    /// an old checkpoint's keys).
    /// </summary>
    /// <param name="hook">Called with this optimizer and the dict; returns a replacement or null.</param>
    /// <param name="prepend">Run before the hooks already registered instead of after them.</param>
    /// <returns>A handle whose <see cref="RemovableHandle.Remove"/> unregisters the hook.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="hook"/> is null.</exception>
    public RemovableHandle RegisterLoadStateDictPreHook(LoadStateDictPreHook hook, bool prepend = false) => _loadStateDictPreHooks.Add(hook, prepend);

    /// <summary>
    /// Registers <paramref name="hook"/> to run after <see cref="LoadStateDict(OptimizerStateDict)"/>
    /// has loaded a state dict, as PyTorch's <c>register_load_state_dict_post_hook</c>.
    /// </summary>
    /// <param name="hook">Called with this optimizer.</param>
    /// <param name="prepend">Run before the hooks already registered instead of after them.</param>
    /// <returns>A handle whose <see cref="RemovableHandle.Remove"/> unregisters the hook.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="hook"/> is null.</exception>
    public RemovableHandle RegisterLoadStateDictPostHook(LoadStateDictPostHook hook, bool prepend = false) => _loadStateDictPostHooks.Add(hook, prepend);
}
