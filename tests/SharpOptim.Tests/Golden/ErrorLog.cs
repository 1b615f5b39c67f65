namespace SharpOptim.Tests.Golden;

/// <summary>
/// Optional record of every relative error the conformance checks measure, for the worst-error
/// table in docs/conformance.md. Off unless <c>SHARPOPTIM_CONFORMANCE_LOG</c> names a file; then
/// each comparison appends "context TAB what TAB error" to it (tools/conformance_report.py reads
/// it). The context says which recorded case and which of our code paths is being replayed.
/// </summary>
internal static class ErrorLog
{
    private static readonly StreamWriter? Writer = Open(Environment.GetEnvironmentVariable("SHARPOPTIM_CONFORMANCE_LOG"));
    private static readonly AsyncLocal<string?> CurrentContext = new();
    private static readonly object Gate = new();

    /// <summary>Labels the comparisons made until the returned scope is disposed (e.g. "sgd/nesterov/forloop/float32#fused").</summary>
    public static IDisposable Context(string context)
    {
        var previous = CurrentContext.Value;
        CurrentContext.Value = context;
        return new Restore(previous);
    }

    public static void Record(string what, double error)
    {
        if (Writer is null) return;
        var line = $"{CurrentContext.Value ?? ""}\t{what.Replace('\t', ' ').Replace('\n', ' ')}\t{error:R}";
        lock (Gate) Writer.WriteLine(line);
    }

    private static StreamWriter? Open(string? path)
    {
        if (string.IsNullOrEmpty(path)) return null;
        var writer = new StreamWriter(path, append: true);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { lock (Gate) writer.Flush(); };
        return writer;
    }

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => CurrentContext.Value = previous;
    }
}
