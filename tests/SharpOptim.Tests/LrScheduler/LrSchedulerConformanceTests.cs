using System.Text.Json.Nodes;
using SharpOptim.Tests.Golden;
using Xunit;
using Xunit.Abstractions;

namespace SharpOptim.Tests.LrScheduler;

/// <summary>
/// Every case of lr_scheduler.json.gz (tools/golden/lr_scheduler.py), replayed against PyTorch's
/// record: ≥ 100-step schedules of every scheduler over two parameter groups (tensor lrs, momentum
/// and betas cycling, chains, metric sequences, fractional epochs, lrs changed from outside),
/// PyTorch's own test scenarios, constructor and step errors, warnings, and a state-dict round
/// trip mid-schedule — resumed once from SharpOptim's own state dicts and once from PyTorch's.
/// </summary>
public class LrSchedulerConformanceTests(ITestOutputHelper output)
{
    internal const string FixtureName = "lr_scheduler.json.gz";

    internal static IEnumerable<JsonObject> AllCases() => Fixture.Load(FixtureName)["cases"]!.AsArray().Select(c => c!.AsObject());

    internal static JsonObject Case(string id) => AllCases().Single(c => c["id"]!.GetValue<string>() == id);

    private static bool Resumes(JsonObject c) => c["ops"]!.AsArray().Any(op => op!["op"]!.GetValue<string>() is "restore" or "load_into" or "rebuild");

    public static IEnumerable<object[]> Cases() => AllCases().Select(c => new object[] { c["id"]!.GetValue<string>() });

    public static IEnumerable<object[]> ResumedCases()
        => AllCases().Where(Resumes).Select(c => new object[] { c["id"]!.GetValue<string>() });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string id)
    {
        var c = Case(id);
        if (c["python_only"] is { } reason)
        {
            // The argument PyTorch refuses here cannot be written in C# (its type rules it out).
            Assert.Contains("typed", reason.GetValue<string>());
            Assert.True(c["trace"]!.AsArray()[^1]!["error"] is not null);
            return;
        }
        var replay = ScheduleReplay.Run(c, ResumeFrom.OwnStateDict);
        output.WriteLine($"worst relative error {replay.WorstError:E2}");
    }

    [Theory]
    [MemberData(nameof(ResumedCases))]
    public void ResumesFromPyTorchsStateDict(string id)
    {
        var replay = ScheduleReplay.Run(Case(id), ResumeFrom.PyTorchStateDict);
        output.WriteLine($"worst relative error {replay.WorstError:E2}");
    }

    [Fact]
    public void EverySchedulerHasATrajectoryOfAtLeast100StepsAndAMidRunRoundTrip()
    {
        string[] schedulers =
        [
            "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR",
            "CosineAnnealingLR", "ChainedScheduler", "SequentialLR", "ReduceLROnPlateau", "CyclicLR", "OneCycleLR", "CosineAnnealingWarmRestarts",
        ];
        foreach (var name in schedulers)
        {
            var cases = AllCases().Where(c => c["scheduler"]!["class"]!.GetValue<string>() == name).ToList();
            Assert.Contains(cases, c => c["trace"]!.AsArray().Count(r => r!["op"]!["op"]!.GetValue<string>() is "step" or "step_metric" or "step_epoch") >= 100);
            Assert.Contains(cases, c => c["ops"]!.AsArray().Any(op => op!["op"]!.GetValue<string>() == "restore") && c["resume_matches_uninterrupted"]?.GetValue<bool>() == true);
        }
    }
}
