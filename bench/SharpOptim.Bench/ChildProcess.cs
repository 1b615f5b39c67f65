using System.Diagnostics;

namespace SharpOptim.Bench;

/// <summary>What a finished child process printed, and how long it ran (start to exit, wall clock).</summary>
public sealed record ChildResult(string Stdout, string Stderr, int ExitCode, TimeSpan Wall);

/// <summary>Runs a program to completion with its output captured (both streams read concurrently, so neither pipe can fill up).</summary>
public static class ChildProcess
{
    public static ChildResult Run(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        clock.Stop();
        return new ChildResult(stdout, stderr.Result, process.ExitCode, clock.Elapsed);
    }

    /// <summary>As <see cref="Run"/>, failing with the program's own error output when it exits non-zero.</summary>
    public static ChildResult RunChecked(string fileName, IEnumerable<string> arguments)
    {
        var r = Run(fileName, arguments);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(fileName)} failed ({r.ExitCode}): {r.Stderr.Trim()}");
        return r;
    }
}
