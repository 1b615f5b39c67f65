using System.Collections.Concurrent;

namespace SharpOptim;

/// <summary>A warning PyTorch would raise with <c>warnings.warn</c>.</summary>
public sealed class TorchWarningEventArgs(string category, string message) : EventArgs
{
    /// <summary>PyTorch's warning class, e.g. <c>UserWarning</c>.</summary>
    public string Category { get; } = category;

    /// <summary>The text PyTorch warns with, word for word (e.g. the learning-rate scheduler's call-order warning).</summary>
    public string Message { get; } = message;

    /// <summary>The warning as the console shows it: <c>UserWarning: message</c>.</summary>
    public override string ToString() => $"{Category}: {Message}";
}

/// <summary>What happens to a warning (Python's warning filter actions).</summary>
public enum TorchWarningAction
{
    /// <summary>Python's <c>"default"</c>: printed the first time each warning occurs, and raised as an event every time.</summary>
    Default,

    /// <summary>Python's <c>"always"</c>: printed and raised as an event every time.</summary>
    Always,

    /// <summary>Python's <c>"ignore"</c>: dropped — neither printed nor raised as an event.</summary>
    Ignore,

    /// <summary>Python's <c>"error"</c>: thrown as a <see cref="TorchWarningException"/> where it occurs, before that operation changes anything.</summary>
    Error,
}

/// <summary>A warning turned into an error by <see cref="TorchWarningAction.Error"/> (Python raises the warning's class).</summary>
public sealed class TorchWarningException(string category, string message) : Exception(message)
{
    /// <summary>PyTorch's warning class, e.g. <c>UserWarning</c>.</summary>
    public string Category { get; } = category;
}

/// <summary>
/// The channel for PyTorch's warnings (a scheduler stepped before its optimizer, a deprecated
/// argument, ...). By default each is written to the standard error the first time it occurs,
/// as <c>UserWarning: message</c> on one line, like Python's default filter (which shows a
/// warning once per place it is raised from; every warning text here comes from one place, so
/// a warning's place is its category and text). <see cref="Warned"/> sees every occurrence, to
/// capture or log them; <see cref="Action"/> chooses between once, every time, never, or an
/// exception; <see cref="Output"/> redirects or silences the console. All members are
/// thread-safe.
/// </summary>
/// <example>
/// Log warnings instead of printing them:
/// <code>
/// TorchWarnings.Output = TextWriter.Null;
/// TorchWarnings.Warned += (_, w) => logger.LogWarning("{Warning}", w);
/// </code>
/// </example>
public static class TorchWarnings
{
    private static readonly ConcurrentDictionary<(string Category, string Message), bool> Shown = new();
    private static readonly Lock WriteLock = new();
    private static volatile TextWriter? _output;
    private static int _action; // a TorchWarningAction, read and written atomically

    /// <summary>Raised for every warning, whether or not it is printed, unless <see cref="Action"/> is Ignore or Error.</summary>
    public static event EventHandler<TorchWarningEventArgs>? Warned;

    /// <summary>
    /// What happens to a warning; <see cref="TorchWarningAction.Default"/> unless set. Setting it
    /// forgets which warnings were already printed (as Python does when its filters change).
    /// </summary>
    public static TorchWarningAction Action
    {
        get => (TorchWarningAction)Volatile.Read(ref _action);
        set
        {
            if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "not a TorchWarningAction");
            Volatile.Write(ref _action, (int)value);
            Shown.Clear();
        }
    }

    /// <summary>
    /// Where warnings are printed: the standard error (<see cref="Console.Error"/> at the time of
    /// printing) unless set; <see cref="TextWriter.Null"/> prints nothing; null restores the
    /// standard error.
    /// </summary>
    public static TextWriter Output
    {
        get => _output ?? Console.Error;
        set => _output = value;
    }

    internal static void Warn(string category, string message)
    {
        var action = Action;
        if (action == TorchWarningAction.Ignore) return;
        if (action == TorchWarningAction.Error) throw new TorchWarningException(category, message);
        var args = new TorchWarningEventArgs(category, message);
        if (action == TorchWarningAction.Always || Shown.TryAdd((category, message), true))
        {
            var output = Output;
            lock (WriteLock) output.WriteLine(args.ToString());
        }
        Warned?.Invoke(null, args);
    }
}
