using SharpOptim;
using Xunit;

namespace SharpOptim.Examples.Tests;

/// <summary>
/// --resume refuses, in one line on stderr and with a non-zero exit, what it cannot continue: other
/// options (also a scheduler, which used to be accepted silently), a file that is no checkpoint, a
/// checkpoint without the options record whose state does not fit, and a run already finished.
/// One Adam run of 2 epochs with --save is shared by all.
/// </summary>
public sealed class ResumeTests : IClassFixture<ResumeTests.SavedRun>
{
    public sealed class SavedRun : IDisposable
    {
        public string Folder { get; } = TrainProgram.TempFolder();

        public string Checkpoint => Path.Combine(Folder, "adam.pt");

        public SavedRun()
        {
            var run = TrainProgram.Run("--optimizer", "adam", "--epochs", "2", "--save", Checkpoint);
            if (run.ExitCode != 0) throw new InvalidOperationException(run.ToString());
        }

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }

    private readonly SavedRun _saved;

    public ResumeTests(SavedRun saved) => _saved = saved;

    /// <summary>The run failed with exactly one line on stderr, holding every part given, and no stack trace.</summary>
    private static void AssertOneLineError(TrainRun run, params string[] parts)
    {
        Assert.True(run.ExitCode != 0, run.ToString());
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, run.ToString());
        foreach (var part in parts) Assert.Contains(part, lines[0]);
        Assert.DoesNotContain("   at ", run.Stderr);
    }

    [Fact]
    public void AnotherOptimizerIsNamedInOneLine()
        => AssertOneLineError(TrainProgram.Run("--resume", _saved.Checkpoint, "--optimizer", "sgd", "--epochs", "3"),
                              "--optimizer adam", "--optimizer sgd", "--lr 0.001", "--lr 0.05");

    [Fact]
    public void AnotherSchedulerIsRefusedNotSilentlyAccepted()
        => AssertOneLineError(TrainProgram.Run("--resume", _saved.Checkpoint, "--optimizer", "adam", "--scheduler", "step", "--epochs", "3"),
                              "--scheduler cosine", "--scheduler step");

    [Fact]
    public void AFileThatIsNotACheckpointIsNamed()
    {
        string path = Path.Combine(_saved.Folder, "notes.txt");
        File.WriteAllText(path, "not a checkpoint");
        AssertOneLineError(TrainProgram.Run("--resume", path), "is not a checkpoint", path);
    }

    [Fact]
    public void AFinishedRunSaysSoInsteadOfReportingAnEmptyRun()
    {
        var run = TrainProgram.Run("--resume", _saved.Checkpoint, "--optimizer", "adam", "--epochs", "2");
        AssertOneLineError(run, "already trained 2 epochs", "--epochs above 2");
        Assert.DoesNotContain("Training time", run.Stdout);
    }

    /// <summary>A checkpoint without the options record (from an older --save, or written elsewhere): the state dict's own error, in one line.</summary>
    [Fact]
    public void AStateThatDoesNotFitIsReportedInOneLineWithoutTheOptionsRecord()
    {
        var contents = Torch.Load<OrderedDictionary<string, object?>>(_saved.Checkpoint);
        Assert.True(contents.Remove("options"));
        string path = Path.Combine(_saved.Folder, "no-record.pt");
        Torch.Save(contents, path);
        AssertOneLineError(TrainProgram.Run("--resume", path, "--optimizer", "sgd", "--epochs", "3"), "does not fit this run", path);
    }

    [Fact]
    public void TheSameOptionsContinueFromTheNextEpoch()
    {
        var run = TrainProgram.Run("--resume", _saved.Checkpoint, "--optimizer", "adam", "--epochs", "3");
        Assert.True(run.ExitCode == 0, run.ToString());
        var epochs = run.Stdout.Split('\n').Where(l => l.StartsWith("epoch ", StringComparison.Ordinal)).ToList();
        Assert.StartsWith("epoch 3/3", Assert.Single(epochs));
    }
}
