using SharpOptim.Examples.Train;
using SharpOptim.NN;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Distributed.Tests;

/// <summary>examples/Train's <c>--save</c>/<c>--resume</c> (not distributed: one rank, or in process).</summary>
public class TrainCheckpointTests
{
    /// <summary>The default generator's state travels in the checkpoint (<c>rng_state</c>), so draws after a resume are the uninterrupted run's.</summary>
    [Fact]
    public void ACheckpointCarriesTheDefaultGeneratorsState()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sharpoptim-train-{Guid.NewGuid():N}.pt");
        try
        {
            var model = new Sequential(new Linear(2, 2));
            var checkpoint = new Checkpoint(model, new SGD(model.Parameters(), lr: 0.1), null, null, null, null);
            Torch.ManualSeed(5);
            Torch.Rand(3);
            checkpoint.Save(path, 1);
            var uninterrupted = Torch.Rand(10).ToArray<float>();
            Torch.ManualSeed(6);
            Assert.Equal(1, checkpoint.Load(path));
            Assert.Equal(uninterrupted, Torch.Rand(10).ToArray<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>4 epochs straight, and 2 + <c>--resume</c> + 2, print the same epochs (times aside) and final accuracies.</summary>
    [Fact]
    public void AResumedRunContinuesAsTheUninterruptedOne()
    {
        var folder = Directory.CreateTempSubdirectory("sharpoptim-resume-").FullName;
        try
        {
            string[] options = ["--optimizer", "adam", "--epochs", "4", "--ema", "0.9", "--swa"];
            var straight = Train([.. options, "--save", Path.Combine(folder, "epoch-{epoch}.pt")]);
            var resumed = Train([.. options, "--resume", Path.Combine(folder, "epoch-2.pt")]);
            Assert.Equal(Lines(straight, "epoch ").Skip(2), Lines(resumed, "epoch "));
            Assert.Equal(Lines(straight, "Final test accuracy:"), Lines(resumed, "Final test accuracy:"));
            Assert.Equal(Lines(straight, "SWA model test accuracy:"), Lines(resumed, "SWA model test accuracy:"));
            Assert.Equal(Lines(straight, "EMA model test accuracy:"), Lines(resumed, "EMA model test accuracy:"));
            Assert.Single(Lines(straight, "EMA model test accuracy:"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Train(string[] args)
    {
        var result = MpiRun.LaunchProgram(1, Path.Combine(AppContext.BaseDirectory, "Train.dll"), args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }

    /// <summary>The lines starting with <paramref name="prefix"/>, without an epoch line's wall-clock time.</summary>
    private static List<string> Lines(string stdout, string prefix)
        => stdout.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => prefix == "epoch " ? l[..l.LastIndexOf("  ", StringComparison.Ordinal)] : l).ToList();
}
