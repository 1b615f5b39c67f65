namespace SharpOptim.Autograd;

/// <summary>
/// Whether operations are recorded for autograd on the current thread. Use
/// <see cref="Torch.NoGrad"/> / <see cref="Torch.EnableGrad"/> scopes rather than setting it directly.
/// </summary>
public static class GradMode
{
    [ThreadStatic] private static bool _disabled;

    /// <summary>True when new operations are recorded.</summary>
    public static bool IsEnabled
    {
        get => !_disabled;
        set => _disabled = !value;
    }
}

/// <summary>Restores the previous grad mode when disposed.</summary>
public sealed class GradModeScope : IDisposable
{
    private readonly bool _previous;
    private bool _disposed;

    internal GradModeScope(bool enabled)
    {
        _previous = GradMode.IsEnabled;
        GradMode.IsEnabled = enabled;
    }

    /// <summary>Restores the grad mode that was in effect when the scope was entered (on this thread); a second call does nothing. Scopes must be disposed in reverse order of creation, as a <c>using</c> block does.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        GradMode.IsEnabled = _previous;
    }
}
