using Xunit;

namespace SharpOptim.Distributed.Tests;

public class FailureTests
{
    /// <summary>Rank 1 throws while rank 0 waits in a collective: both end, non-zero, quickly, with rank 1's message.</summary>
    [Fact]
    public void ARankThatThrowsEndsEveryRankWithItsMessage()
    {
        var result = MpiRun.Launch(2, "rank-throws", timeoutSeconds: 60);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("[rank 1] aborting every rank", result.Stderr);
        Assert.Contains("deliberate failure on rank 1", result.Stderr);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(30), $"took {result.Elapsed}: the abort, not the launcher's timeout, must end the job\n{result}");
    }
}
