namespace SharpOptim.Optim;

/// <summary>Returned by every hook registration; <see cref="Remove"/> (or Dispose) unregisters the hook.</summary>
public sealed class RemovableHandle : IDisposable
{
    private Action? _remove;

    internal RemovableHandle(Action remove) => _remove = remove;

    /// <summary>Unregisters the hook. Calling it again does nothing.</summary>
    public void Remove()
    {
        _remove?.Invoke();
        _remove = null;
    }

    public void Dispose() => Remove();
}

/// <summary>An ordered list of hooks, each removable through its handle; <c>prepend</c> puts a hook first.</summary>
internal sealed class HookList<THook> where THook : Delegate
{
    private readonly List<(long Id, THook Hook)> _hooks = [];
    private long _nextId;

    public RemovableHandle Add(THook hook, bool prepend = false)
    {
        ArgumentNullException.ThrowIfNull(hook);
        long id = _nextId++;
        if (prepend) _hooks.Insert(0, (id, hook));
        else _hooks.Add((id, hook));
        return new RemovableHandle(() => _hooks.RemoveAll(h => h.Id == id));
    }

    public bool IsEmpty => _hooks.Count == 0;

    /// <summary>A snapshot, so a hook may remove itself while the list runs.</summary>
    public THook[] Snapshot() => _hooks.Select(h => h.Hook).ToArray();
}
