using System.Diagnostics;
using Xunit;

namespace SharpOptim.Distributed.Tests;

public class ProcessGroupTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void CollectivesReduceGatherAndBroadcastInPlaceWithoutAllocating(int ranks)
    {
        var result = MpiRun.Succeed(ranks, "collectives");
        Assert.Equal(ranks, result.Results("collectives").Count);
    }

    [Fact]
    public void MallocTuningIsOnByDefaultAndCanBeTurnedOff()
    {
        Assert.Equal("True", MpiRun.Succeed(2, "collectives").Result("malloc_tuning"));
        var off = MpiRun.Launch(2, "collectives", environment: new Dictionary<string, string> { ["SHARPOPTIM_MALLOC_TUNING"] = "0" });
        Assert.True(off.ExitCode == 0, off.ToString());
        Assert.Equal("False", off.Result("malloc_tuning"));
    }

    [Fact]
    public void InitProcessGroupWithoutALauncherSaysWhatToRun()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(MpiRun.WorkerPath);
        start.ArgumentList.Add("no-launcher");
        foreach (var name in new[] { "PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "SLURM_PROCID" }) start.Environment.Remove(name);
        using var process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("found no MPI launcher", stdout);
        Assert.Contains("mpiexec -n 2", stdout);
    }
}
