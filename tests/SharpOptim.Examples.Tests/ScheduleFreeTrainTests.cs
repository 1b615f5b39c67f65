using SharpOptim;
using Xunit;

namespace SharpOptim.Examples.Tests;

/// <summary>
/// A schedule-free optimizer in the example: its checkpoints are saved in eval mode (the averaged
/// weights x, <c>train_mode: False</c>), as the reference asks, and a run resumed from one goes
/// back to train mode and continues exactly as the uninterrupted run.
/// </summary>
public sealed class ScheduleFreeTrainTests
{
    [Theory]
    [InlineData("sgdschedulefree")]
    [InlineData("adamwschedulefree")]
    public void CheckpointsAreSavedInEvalModeAndResumeAsTheUninterruptedRun(string optimizer)
    {
        var folder = TrainProgram.TempFolder();
        try
        {
            var full = TrainProgram.Run("--optimizer", optimizer, "--epochs", "3", "--save", Path.Combine(folder, "run-{epoch}.pt"));
            Assert.True(full.ExitCode == 0, full.ToString());
            string checkpoint = Path.Combine(folder, "run-2.pt");
            var saved = Torch.Load<IReadOnlyDictionary<string, object?>>(checkpoint);
            var groups = Assert.IsAssignableFrom<IEnumerable<object?>>(((IReadOnlyDictionary<string, object?>)saved["optimizer"]!)["param_groups"]);
            foreach (var group in groups.Cast<IReadOnlyDictionary<string, object?>>())
                Assert.Equal(false, group["train_mode"]);

            var resumed = TrainProgram.Run("--resume", checkpoint, "--optimizer", optimizer, "--epochs", "3");
            Assert.True(resumed.ExitCode == 0, resumed.ToString());
            Assert.Equal(LastEpoch(full), LastEpoch(resumed));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The last epoch's line without its time: lr, losses and accuracies.</summary>
    private static string LastEpoch(TrainRun run)
    {
        var line = run.Stdout.Split('\n').Last(l => l.StartsWith("epoch 3/3", StringComparison.Ordinal));
        return line[..line.IndexOf("total time", StringComparison.Ordinal)];
    }
}
