namespace SharpOptim.Optim;

/// <summary>Returned by every hook registration; <see cref="Remove"/> (or Dispose) unregisters the hook.</summary>
public sealed class RemovableHandle : IDisposable
{
    private Action? _remove;

    internal RemovableHandle(Action remove) => _remove = remove;

    /// <summary>Unregisters the hook. Calling it again (from any thread) does nothing.</summary>
    public void Remove() => Interlocked.Exchange(ref _remove, null)?.Invoke();

    /// <summary>Same as <see cref="Remove"/>, so <c>using var handle = opt.RegisterStepPreHook(...)</c> scopes a hook.</summary>
    public void Dispose() => Remove();
}
