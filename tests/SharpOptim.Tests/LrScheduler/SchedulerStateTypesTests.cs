using System.Text.Json.Nodes;
using SharpOptim.Optim.LrScheduler;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.LrScheduler;

/// <summary>
/// State dicts keep PyTorch's Python types (scheduler_state_types.json, from
/// tools/golden/scheduler_state_types.py): every scheduler and SWALR, after a few steps. A
/// state dict PyTorch wrote comes back from LoadStateDict then StateDict() with the same values
/// and types (an int stays an int: OneCycleLR's last end_step, an eta_min=0, int lrs); and
/// where C# can pass PyTorch's arguments, SharpOptim's own state dict has PyTorch's types
/// (ReduceLROnPlateau's default min_lr is the int 0).
/// </summary>
public class SchedulerStateTypesTests
{
    private static readonly JsonNode Recorded = Fixture.Load("scheduler_state_types.json");

    private static IEnumerable<JsonNode> AllCases() => Recorded["cases"]!.AsArray().Select(c => c!);

    private static JsonNode Case(string id) => AllCases().Single(c => c["id"]!.GetValue<string>() == id);

    public static TheoryData<string> Cases() => [.. AllCases().Select(c => c["id"]!.GetValue<string>())];

    public static TheoryData<string> ConstructedCases()
        => [.. AllCases().Where(c => c["construct"]!.GetValue<bool>()).Select(c => c["id"]!.GetValue<string>())];

    private static LRScheduler Build(JsonNode c) => ScheduleSpec.BuildScheduler(c["scheduler"]!, ScheduleSpec.BuildOptimizer(c["optimizer"]!));

    [Theory]
    [MemberData(nameof(Cases))]
    public void PyTorchsStateDictComesBackWithItsTypes(string id)
    {
        var c = Case(id);
        var scheduler = Build(c);
        var recorded = (OrderedDictionary<string, object?>)StateDictJson.ToValue(c["state_dict"])!;
        scheduler.LoadStateDict(recorded);
        StateDictJson.AssertSame(scheduler.StateDict(), c["state_dict"], $"{id} state_dict after load");
    }

    [Theory]
    [MemberData(nameof(ConstructedCases))]
    public void OwnStateDictHasPyTorchsTypes(string id)
    {
        var c = Case(id);
        var scheduler = Build(c);
        var metrics = c["metrics"]?.AsArray().Select(m => Fixture.Number(m)).ToList();
        for (int i = 0; i < c["steps"]!.GetValue<int>(); i++)
        {
            scheduler.Optimizer.Step();
            if (metrics is null) scheduler.Step();
            else ((ReduceLROnPlateau)scheduler).Step(metrics[i]);
        }
        StateDictJson.AssertSame(scheduler.StateDict(), c["state_dict"], $"{id} state_dict");
    }
}
