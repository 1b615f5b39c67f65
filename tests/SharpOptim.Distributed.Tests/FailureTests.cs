using Xunit;

namespace SharpOptim.Distributed.Tests;

public class FailureTests
{
    /// <summary>Rank 1 throws while rank 0 waits in a collective: both end, non-zero, quickly, with rank 1's message.</summary>
    [Fact]
    public void ARankThatThrowsEndsEveryRankWithItsMessage()
    {
        var result = MpiRun.Launch(2, "rank-throws", timeoutSeconds: 60);
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.True(result.Stderr.Contains("[rank 1] aborting every rank", StringComparison.Ordinal), result.ToString());
        Assert.True(result.Stderr.Contains("deliberate failure on rank 1", StringComparison.Ordinal), result.ToString());
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(30), $"took {result.Elapsed}: the abort, not the launcher's timeout, must end the job\n{result}");
    }
}
