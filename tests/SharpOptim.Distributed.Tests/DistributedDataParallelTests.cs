using Xunit;

namespace SharpOptim.Distributed.Tests;

public class DistributedDataParallelTests
{
    /// <summary>
    /// SGD with momentum and a StepLR schedule, and Adam, each with one bucket and with one
    /// bucket per parameter: within 1e-6 of one process on the global batch, replicas equal bit
    /// for bit after every step, buckets launched during backward; NoSync accumulation too.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void TrainsAsOneProcessOnTheGlobalBatchWithIdenticalReplicas(int ranks)
    {
        var result = MpiRun.Succeed(ranks, "ddp");
        Assert.Equal(ranks, result.Results("ddp").Count);
        Assert.Equal(4, result.Stdout.Split('\n').Count(l => l.StartsWith("RESULT ddp_vs_single_", StringComparison.Ordinal)));
        Assert.Single(result.Results("ddp_no_sync"));
    }

    [Fact]
    public void ReplicasOfDifferentShapesAreAClearErrorOnEveryRank()
    {
        var result = MpiRun.Succeed(2, "shape-mismatch");
        var messages = result.Results("shape_mismatch");
        Assert.Equal(2, messages.Count);
        Assert.Equal(messages[0], messages[1]);
        Assert.Contains("DDP expects same model across all ranks", messages[0]);
        Assert.Contains("0.weight", messages[0]);
        Assert.Contains("[5, 4]", messages[0]);
        Assert.Contains("[6, 4]", messages[0]);
    }

    [Fact]
    public void AParameterWithoutGradientIsReportedAtTheNextForward()
    {
        var result = MpiRun.Succeed(2, "unused-parameter");
        var messages = result.Results("unused_parameter");
        Assert.Equal(2, messages.Count);
        Assert.All(messages, m => Assert.Contains("Expected to have finished reduction in the prior iteration", m));
    }
}
