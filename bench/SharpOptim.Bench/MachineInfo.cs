using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SharpOptim.Bench;

/// <summary>What the benchmark document says about the machine and the code it ran (Linux details where /proc has them).</summary>
public sealed record MachineInfo(string Cpu, int LogicalCores, string Memory, string Os, string Dotnet, string? LoadAverage, string? Commit)
{
    /// <summary>Read when the run starts, so the load average is the machine's state before the bench loaded it.</summary>
    public static MachineInfo Describe() => new(
        ProcField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Environment.ProcessorCount,
        ProcField("/proc/meminfo", "MemTotal") is { } kb && long.TryParse(kb.Split(' ')[0], CultureInfo.InvariantCulture, out long total)
            ? Numbers.Fixed(total / 1024.0 / 1024.0, "0.0") + " GiB"
            : "unknown",
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null,
        GitCommit());

    /// <summary>The value of the first "key : value" line of a /proc file, or null.</summary>
    private static string? ProcField(string path, string key)
    {
        if (!File.Exists(path)) return null;
        return File.ReadLines(path)
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2 && parts[0].Trim() == key)
            .Select(parts => parts[1].Trim())
            .FirstOrDefault();
    }

    /// <summary>The checked-out commit, marked when the working tree has uncommitted changes; null without git.</summary>
    private static string? GitCommit()
    {
        try
        {
            string commit = ChildProcess.RunChecked("git", ["rev-parse", "--short", "HEAD"]).Stdout.Trim();
            bool dirty = ChildProcess.RunChecked("git", ["status", "--porcelain", "--untracked-files=no"]).Stdout.Trim().Length > 0;
            return dirty ? $"{commit} (with uncommitted changes)" : commit;
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }
}
