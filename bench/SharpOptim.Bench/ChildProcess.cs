using System.Diagnostics;

namespace SharpOptim.Bench;

/// <summary>Runs another program to the end: PyTorch's python, gcc, the C kernel, git.</summary>
public static class ChildProcess
{
    /// <summary>
    /// The program's standard output. Throws <see cref="System.ComponentModel.Win32Exception"/>
    /// when the program does not exist and <see cref="InvalidOperationException"/> (with its
    /// standard error) when it exits with a non-zero status.
    /// </summary>
    public static string Run(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited with {process.ExitCode}: {stderr.Result.Trim()}");
        return stdout;
    }
}
