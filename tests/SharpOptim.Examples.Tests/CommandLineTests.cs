using System.Diagnostics;
using System.Globalization;
using SharpOptim.Examples.Train;
using Xunit;

namespace SharpOptim.Examples.Tests;

/// <summary>examples/Train's help, its epoch lines, and the repository's ignore list for what the README's commands write.</summary>
public class CommandLineTests
{
    [Fact]
    public void TheLrHelpListsEveryOptimizersDefaultInsteadOfPointingAway()
    {
        var run = TrainProgram.Run("--help");
        Assert.True(run.ExitCode == 0, run.ToString());
        var help = string.Join(' ', run.Stdout.Split('\n').Select(l => l.Trim()));   // the description wraps over lines
        Assert.DoesNotContain("README", help);
        foreach (var name in OptimizerCatalog.Names)
            Assert.Contains($"{name} {OptimizerCatalog.Get(name).DefaultLr.ToString(CultureInfo.InvariantCulture)}", help);
    }

    /// <summary>The time on each epoch line counts from the start of the run, and says so.</summary>
    [Fact]
    public void EpochLinesLabelTheirTimeAsTotal()
    {
        var run = TrainProgram.Run("--epochs", "2");
        Assert.True(run.ExitCode == 0, run.ToString());
        var epochs = run.Stdout.Split('\n').Where(l => l.StartsWith("epoch ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, epochs.Count);
        Assert.All(epochs, l => Assert.Matches(@"  total time [0-9.]+ s\s*$", l));
    }

    /// <summary>The README's --save example writes under runs/, which git must not offer to commit.</summary>
    [Fact]
    public void TheRunsFolderIsIgnoredByGit()
    {
        var start = new ProcessStartInfo("git", ["check-ignore", "-q", "runs/epoch15.pt"])
        {
            WorkingDirectory = TrainProgram.RepositoryRoot(), RedirectStandardError = true, UseShellExecute = false,
        };
        using var git = Process.Start(start)!;
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, "runs/ is not ignored: " + git.StandardError.ReadToEnd());
    }
}
