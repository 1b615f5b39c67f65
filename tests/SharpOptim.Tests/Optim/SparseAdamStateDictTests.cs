using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// SparseAdam's state dict against PyTorch's after 50 of the 100 recorded steps
/// (sparse_adam_state_dict.sofx): layout and values (the step a plain int), our dict and
/// PyTorch's loaded into a fresh optimizer and continued through the recorded steps 51–100.
/// </summary>
public class SparseAdamStateDictTests
{
    public static IEnumerable<object[]> Cases()
        => Fixture.Load(SparseAdamFixture.StateDicts)["cases"]!.AsArray().Select(c => new object[] { c!["id"]!.GetValue<string>() });

    private static (JsonObject Case, JsonObject Trajectory, int Saved) Load(string id)
    {
        var sc = StateDictCheck.Case(SparseAdamFixture.StateDicts, id);
        return (sc, SparseAdamFixture.Case(sc["trajectory_id"]!.GetValue<string>()), sc["steps_before_save"]!.GetValue<int>());
    }

    private static SparseAdam RunFirstPart(JsonObject trajectory, int saved)
    {
        var problem = SparseAdamFixture.Problem(trajectory);
        var optimizer = SparseAdamFixture.Create(problem.Weight, trajectory, "default");
        SparseAdamFixture.Replay(optimizer, problem, trajectory, 0, saved, "first part");
        return optimizer;
    }

    private static void Continue(JsonObject sc, JsonObject trajectory, int saved, Action<SparseAdam> load)
    {
        var problem = SparseAdamFixture.Problem(trajectory);
        LbfgsFixture.SetParams([problem.Weight], trajectory["steps"]![saved - 1]!["params"]!.AsArray());
        var resumed = SparseAdamFixture.Create(problem.Weight, trajectory, "default");
        load(resumed);
        StateDictCheck.AssertMatches(resumed.StateDict(), sc["state_dict"]!.AsObject(), problem.Weight.DType);
        int total = trajectory["steps"]!.AsArray().Count;
        SparseAdamFixture.Replay(resumed, problem, trajectory, saved, total - saved, $"{sc["id"]} continuation");
        StateDictCheck.AssertMatches(resumed.StateDict(), sc["state_dict_after_continuation"]!.AsObject(), problem.Weight.DType);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StateDictAtSavePointHasPyTorchsLayoutAndValues(string id)
    {
        var (sc, trajectory, saved) = Load(id);
        var stateDict = RunFirstPart(trajectory, saved).StateDict();
        StateDictCheck.AssertMatches(stateDict, sc["state_dict"]!.AsObject(), Fixture.DType(trajectory["dtype"]!.GetValue<string>()));
        Assert.IsType<int>(stateDict.State[0]["step"]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoundTripMidRunContinuesAsPyTorch(string id)
    {
        var (sc, trajectory, saved) = Load(id);
        var stateDict = RunFirstPart(trajectory, saved).StateDict().DeepCopy();
        Continue(sc, trajectory, saved, resumed => resumed.LoadStateDict(stateDict));
    }

    /// <summary>PyTorch's dict loaded as a checkpoint reader gives it (the step a long): it stays a plain integer, as in PyTorch.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void LoadingPyTorchsStateDictContinuesAsPyTorch(string id)
    {
        var (sc, trajectory, saved) = Load(id);
        Continue(sc, trajectory, saved, resumed =>
        {
            resumed.LoadStateDict(StateDictCheck.FromJson(sc["state_dict"]!.AsObject()));
            Assert.IsNotType<Tensor>(resumed.StateDict().State[0]["step"]);
        });
    }
}
