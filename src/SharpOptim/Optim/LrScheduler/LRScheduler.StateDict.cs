using static SharpOptim.Optim.LrScheduler.SchedulerStateValues;

namespace SharpOptim.Optim.LrScheduler;

// The state dict: PyTorch's is the scheduler's __dict__ minus the optimizer, so it lists the
// attributes in the order they were first assigned. Here each field that belongs in it is
// declared (with how to save and how to load it) at the point where PyTorch assigns it first,
// which reproduces that order. Keys a loaded dict brings that this scheduler does not know are
// kept and written back, as Python keeps unknown attributes.
public abstract partial class LRScheduler
{
    private sealed record StateEntry(Func<object?> Save, Func<object?, Action> Load);

    private readonly Dictionary<string, StateEntry> _entries = new();
    private readonly List<string> _entryOrder = [];
    private readonly OrderedDictionary<string, object?> _unknownEntries = new();

    /// <summary>
    /// Declares a state-dict entry: <paramref name="save"/> gives its value, <paramref name="load"/>
    /// checks and converts a loaded value (throwing <see cref="ArgumentException"/> when it is
    /// unusable) and returns the assignment to run once every entry has been checked. The first
    /// declaration of a key fixes its place in the dict.
    /// </summary>
    protected void Declare(string key, Func<object?> save, Func<object?, Action> load)
    {
        if (_entries.TryAdd(key, new StateEntry(save, load))) _entryOrder.Add(key);
    }

    /// <summary>Declares an entry holding a Python int.</summary>
    protected void DeclareInt(string key, Func<int> get, Action<int> set)
        => Declare(key, () => get(), v => { int x = ToInt(v, key); return () => set(x); });

    /// <summary>Declares an entry holding a Python float (or an int a loaded state dict gave it, see <see cref="ExportNumber"/>).</summary>
    protected void DeclareDouble(string key, Func<double> get, Action<double> set)
        => Declare(key, () => ExportNumber(key, get()), v =>
        {
            double x = ToDouble(v, key);
            return () =>
            {
                set(x);
                NoteLoadedKinds(key, v);
            };
        });

    /// <summary>Declares an entry holding a Python bool.</summary>
    protected void DeclareBool(string key, Func<bool> get, Action<bool> set)
        => Declare(key, () => get(), v => { bool x = ToBool(v, key); return () => set(x); });

    /// <summary>Declares an entry holding a string, optionally restricted to <paramref name="allowed"/> values.</summary>
    protected void DeclareString(string key, Func<string> get, Action<string> set, params string[] allowed)
        => Declare(key, () => get(), v =>
        {
            string x = ToText(v, key);
            if (allowed.Length > 0 && !allowed.Contains(x))
                throw new ArgumentException($"state dict entry '{key}' is '{x}', expected one of {string.Join(", ", allowed.Select(a => $"'{a}'"))}", "stateDict");
            return () => set(x);
        });

    /// <summary>Declares an entry holding a list of learning rates (or momenta): numbers or one-element tensors.</summary>
    protected void DeclareLrList(string key, Func<IReadOnlyList<FloatOrTensor>> get, Action<List<FloatOrTensor>> set)
        => Declare(key, () => ExportLrs(key, get()), v =>
        {
            var x = ToLrList(v, key);
            return () =>
            {
                set(x);
                NoteLoadedKinds(key, v);
            };
        });

    /// <summary>
    /// The scheduler's state in PyTorch's layout: every declared entry in PyTorch's order with
    /// PyTorch's key names (the optimizer is not part of it). The dictionary and everything in it
    /// are copies.
    /// </summary>
    public virtual OrderedDictionary<string, object?> StateDict()
    {
        var result = new OrderedDictionary<string, object?>();
        foreach (var key in _entryOrder) result[key] = Copy(_entries[key].Save());
        foreach (var (key, value) in _unknownEntries) result.TryAdd(key, Copy(value));
        return result;
    }

    /// <summary>
    /// Loads a state dict made by <see cref="StateDict"/> (here or by PyTorch). Every entry is
    /// checked before anything changes, so a bad dict leaves the scheduler as it was. The
    /// optimizer's state is separate: load it with <see cref="Optimizer.LoadStateDict(OptimizerStateDict)"/>.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, object?> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        PrepareLoad(stateDict)();
    }

    /// <summary>
    /// Checks <paramref name="stateDict"/> and returns the action that loads it. Subclasses that
    /// keep entries apart (lambdas, nested schedulers) take theirs out and hand the rest to this.
    /// </summary>
    private protected virtual Action PrepareLoad(IReadOnlyDictionary<string, object?> stateDict)
    {
        var assignments = new List<Action>();
        var unknown = new List<KeyValuePair<string, object?>>();
        foreach (var (key, value) in stateDict)
        {
            if (_entries.TryGetValue(key, out var entry)) assignments.Add(entry.Load(value));
            else unknown.Add(new(key, Copy(value)));
        }
        return () =>
        {
            foreach (var assign in assignments) assign();
            foreach (var (key, value) in unknown) _unknownEntries[key] = value;
            OnStateLoaded();
        };
    }

    internal Action PrepareLoadInternal(IReadOnlyDictionary<string, object?> stateDict) => PrepareLoad(stateDict);

    /// <summary>Runs after a state dict was loaded, to rebuild what derives from the loaded fields.</summary>
    protected virtual void OnStateLoaded() { }
}
