using System.Diagnostics;

namespace SharpOptim;

/// <summary>A warning PyTorch would raise with <c>warnings.warn</c>.</summary>
public sealed class TorchWarningEventArgs(string category, string message) : EventArgs
{
    /// <summary>PyTorch's warning class, e.g. <c>UserWarning</c>.</summary>
    public string Category { get; } = category;

    public string Message { get; } = message;

    public override string ToString() => $"{Category}: {Message}";
}

/// <summary>
/// The channel for PyTorch's warnings. Subscribe to <see cref="Warned"/> to observe them; set
/// <see cref="Enabled"/> to false to silence them. With no subscriber a warning goes to
/// <see cref="Trace"/> listeners, never straight to the console.
/// </summary>
public static class TorchWarnings
{
    /// <summary>Raised for every warning while <see cref="Enabled"/> is true.</summary>
    public static event EventHandler<TorchWarningEventArgs>? Warned;

    /// <summary>False silences every warning.</summary>
    public static bool Enabled { get; set; } = true;

    internal static void Warn(string category, string message)
    {
        if (!Enabled) return;
        var args = new TorchWarningEventArgs(category, message);
        var handler = Warned;
        if (handler is null) Trace.TraceWarning(args.ToString());
        else handler(null, args);
    }
}
