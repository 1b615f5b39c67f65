using SharpOptim;

namespace SharpOptim.Tests.LrScheduler;

/// <summary>
/// Collects the warnings raised on the current thread while it is alive. TorchWarnings is one
/// static channel and tests run in parallel, so warnings from other threads are ignored.
/// </summary>
internal sealed class ThreadWarnings : IDisposable
{
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private readonly List<TorchWarningEventArgs> _seen = [];

    public ThreadWarnings() => TorchWarnings.Warned += OnWarned;

    private void OnWarned(object? sender, TorchWarningEventArgs e)
    {
        if (Environment.CurrentManagedThreadId == _thread) _seen.Add(e);
    }

    /// <summary>The warnings seen since the last call.</summary>
    public List<TorchWarningEventArgs> TakeEvents()
    {
        var taken = _seen.ToList();
        _seen.Clear();
        return taken;
    }

    /// <summary>The warnings seen since the last call, as "Category: message" strings.</summary>
    public List<string> Take() => TakeEvents().Select(w => w.ToString()).ToList();

    public void Dispose() => TorchWarnings.Warned -= OnWarned;
}
