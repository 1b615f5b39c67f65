using System.Text.Json.Nodes;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.LrScheduler;

/// <summary>
/// Schedules PyTorch refuses part-way or at construction (nonfinite_lr_scheduler.json.gz,
/// tools/golden/nonfinite.py, in lr_scheduler.json.gz's format), replayed as
/// <see cref="LrSchedulerConformanceTests"/> replays its cases: PolynomialLR with a negative
/// power raises at <c>total_iters</c> (Python's <c>0.0 ** -1</c>) in its chainable and closed
/// forms, leaving the lrs as they were; ChainedScheduler refuses an empty list even with an
/// optimizer given.
/// </summary>
public class DegenerateScheduleTests
{
    private const string FixtureName = "nonfinite_lr_scheduler.json.gz";

    public static IEnumerable<object[]> Cases()
        => Fixture.Load(FixtureName)["cases"]!.AsArray().Select(c => new object[] { c!["id"]!.GetValue<string>() });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string id)
    {
        var c = Fixture.Load(FixtureName)["cases"]!.AsArray().Single(x => x!["id"]!.GetValue<string>() == id)!.AsObject();
        Assert.NotNull(c["trace"]!.AsArray()[^1]!["error"]);
        ScheduleReplay.Run(c, ResumeFrom.OwnStateDict);
    }
}
