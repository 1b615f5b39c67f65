using System.Diagnostics;
using System.Globalization;
using System.Text;

// The ranks busy-poll: two mpiexec jobs at once on a small machine would starve each other.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

namespace SharpOptim.Distributed.Tests;

/// <summary>The outcome of one <c>mpiexec</c> run of the worker.</summary>
public sealed record MpiResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>The values of the worker's <c>RESULT key value</c> lines for <paramref name="key"/>, in order.</summary>
    public IReadOnlyList<string> Results(string key)
        => Stdout.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith($"RESULT {key} ", StringComparison.Ordinal))
            .Select(l => l[($"RESULT {key} ".Length)..]).ToList();

    public string Result(string key) => Results(key) is [var single] ? single : throw new Xunit.Sdk.XunitException($"expected one RESULT {key}, got {Results(key).Count}\n{this}");

    public override string ToString() => $"exit code {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Launches <c>mpiexec -n N dotnet SharpOptim.Distributed.Worker.dll SCENARIO ...</c> with a
/// bound on its time: MPICH's <c>MPIEXEC_TIMEOUT</c> ends a hung job, and the process is killed
/// here a little later if the launcher itself hangs.
/// </summary>
public static class MpiRun
{
    public static string WorkerPath => Path.Combine(AppContext.BaseDirectory, "SharpOptim.Distributed.Worker.dll");

    public static MpiResult Launch(int ranks, string scenario, string[]? args = null, int timeoutSeconds = 90, IDictionary<string, string>? environment = null)
        => LaunchProgram(ranks, WorkerPath, [scenario, .. args ?? []], timeoutSeconds, environment);

    /// <summary>Launches any .NET program (a dll beside the tests) on <paramref name="ranks"/> ranks.</summary>
    public static MpiResult LaunchProgram(int ranks, string dll, string[] args, int timeoutSeconds = 90, IDictionary<string, string>? environment = null)
    {
        string mpiexec = FindMpiexec() ?? throw new Xunit.Sdk.XunitException(
            "mpiexec not found on PATH: the distributed tests need an MPI launcher (apt-get install mpich; .ci/run installs it)");
        var start = new ProcessStartInfo(mpiexec)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-n", ranks.ToString(CultureInfo.InvariantCulture), "dotnet", dll }.Concat(args)) start.ArgumentList.Add(a);
        start.Environment["MPIEXEC_TIMEOUT"] = timeoutSeconds.ToString(CultureInfo.InvariantCulture);
        start.Environment["DOTNET_TieredPGO"] = "0";
        if (environment is not null) foreach (var (k, v) in environment) start.Environment[k] = v;
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(WithoutTerminalCodes(e.Data)); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(WithoutTerminalCodes(e.Data)); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds + 30)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new Xunit.Sdk.XunitException($"mpiexec did not end within {timeoutSeconds + 30} s\n{stdout}\n{stderr}");
        }
        process.WaitForExit();
        return new MpiResult(process.ExitCode, stdout.ToString(), stderr.ToString(), watch.Elapsed);
    }

    /// <summary>Runs a scenario that must succeed; returns its output.</summary>
    public static MpiResult Succeed(int ranks, string scenario, params string[] args)
    {
        var result = Launch(ranks, scenario, args);
        if (result.ExitCode != 0) throw new Xunit.Sdk.XunitException($"mpiexec -n {ranks} {scenario} failed: {result}");
        return result;
    }

    /// <summary>
    /// Open MPI forwards each rank's output through a pseudo-terminal, so .NET's console writes
    /// terminal set-up codes (ESC[?1h ESC=) before the text; the tests read the text.
    /// </summary>
    private static string WithoutTerminalCodes(string line) => TerminalCodes.Replace(line, "");

    private static readonly System.Text.RegularExpressions.Regex TerminalCodes = new(@"\x1B(\[[0-9;?]*[A-Za-z]|[=>])");

    private static string? FindMpiexec()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(dir, "mpiexec");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
