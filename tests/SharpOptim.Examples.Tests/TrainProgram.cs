using System.Diagnostics;

namespace SharpOptim.Examples.Tests;

/// <summary>What one run of examples/Train printed and returned.</summary>
public sealed record TrainRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs examples/Train (built beside the tests) as its own process, output redirected as in a pipe.</summary>
public static class TrainProgram
{
    public static TrainRun Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Train.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) process.Kill(entireProcessTree: true);
        return new TrainRun(process.ExitCode, stdout, stderr.Result);
    }

    /// <summary>A new empty folder for one test's files.</summary>
    public static string TempFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "sharpoptim-train-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>The repository root: the folder above the tests that holds SharpOptim.slnx.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SharpOptim.slnx"))) return dir.FullName;
        throw new InvalidOperationException("SharpOptim.slnx not found above " + AppContext.BaseDirectory);
    }
}
