namespace SharpOptim.Bench;

/// <summary>Whether PyTorch's side of a comparison can run on this machine.</summary>
public static class Oracle
{
    /// <summary>
    /// True when <paramref name="python"/> exists and imports torch. The default,
    /// tools/oracle/python, is in every clone but answers only once tools/oracle/setup has built
    /// PyTorch, and only as root; where it does not, the bench prints SharpOptim's figures alone.
    /// </summary>
    public static bool Answers(string python) => File.Exists(python) && ChildProcess.Run(python, ["-c", "import torch"]).ExitCode == 0;
}
