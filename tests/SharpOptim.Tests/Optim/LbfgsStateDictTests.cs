using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// LBFGS's state dict against PyTorch's after 10 of the 20 recorded Rosenbrock steps
/// (lbfgs_state_dict.sofx): the layout and values at the save point, our own dict and
/// PyTorch's loaded into a fresh optimizer and continued through the recorded steps 11–20.
/// </summary>
public class LbfgsStateDictTests
{
    public static IEnumerable<object[]> Cases()
        => Fixture.Load(LbfgsFixture.StateDicts)["cases"]!.AsArray().Select(c => new object[] { c!["id"]!.GetValue<string>() });

    private static JsonObject StateDictCase(string id) => StateDictCheck.Case(LbfgsFixture.StateDicts, id);

    private static (JsonObject Trajectory, int Saved) TrajectoryOf(JsonObject sc)
        => (LbfgsFixture.Case(sc["trajectory_id"]!.GetValue<string>()), sc["steps_before_save"]!.GetValue<int>());

    /// <summary>The trajectory replayed up to the save point.</summary>
    private static LBFGS RunFirstPart(JsonObject sc)
    {
        var (trajectory, saved) = TrajectoryOf(sc);
        var problem = LbfgsFixture.Problem(trajectory);
        var optimizer = LbfgsFixture.Create(problem.Params, trajectory);
        LbfgsFixture.ReplaySteps(optimizer, problem.Params, trajectory, 0, saved, sc["id"]!.GetValue<string>());
        return optimizer;
    }

    /// <summary>A fresh LBFGS on PyTorch's params at the save point, loaded by <paramref name="load"/>, then the recorded steps after it.</summary>
    private static void Continue(JsonObject sc, Action<LBFGS> load, JsonObject? expectedAfterLoad = null)
    {
        var (trajectory, saved) = TrajectoryOf(sc);
        var dtype = LbfgsFixture.DTypeOf(trajectory);
        var problem = LbfgsFixture.Problem(trajectory);
        LbfgsFixture.SetParams(problem.Params, sc["params_at_save"]!.AsArray());
        var resumed = LbfgsFixture.Create(problem.Params, trajectory);
        load(resumed);
        if (expectedAfterLoad is not null) LbfgsFixture.AssertStateDict(resumed.StateDict(), expectedAfterLoad, dtype, LbfgsFixture.StepTolerance(trajectory));
        int total = trajectory["steps"]!.AsArray().Count;
        LbfgsFixture.ReplaySteps(resumed, problem.Params, trajectory, saved, total - saved, $"{sc["id"]} continuation");
        LbfgsFixture.AssertStateDict(resumed.StateDict(), sc["state_dict_after_continuation"]!.AsObject(), dtype, LbfgsFixture.StepTolerance(trajectory));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StateDictAtSavePointHasPyTorchsLayoutAndValues(string id)
    {
        var sc = StateDictCase(id);
        var (trajectory, _) = TrajectoryOf(sc);
        LbfgsFixture.AssertStateDict(RunFirstPart(sc).StateDict(), sc["state_dict"]!.AsObject(), LbfgsFixture.DTypeOf(trajectory),
            LbfgsFixture.StepTolerance(trajectory));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoundTripMidRunContinuesAsPyTorch(string id)
    {
        var sc = StateDictCase(id);
        var saved = RunFirstPart(sc).StateDict().DeepCopy();
        Continue(sc, resumed => resumed.LoadStateDict(saved));
    }

    /// <summary>
    /// PyTorch's own dict, loaded: every state tensor is cast to the parameters' dtype (so in the
    /// float64 "Tensor lr" case the float32 <c>t</c>, which is the lr tensor itself, comes back
    /// float64, as PyTorch's loaded dict shows), and the run continues as PyTorch's.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void LoadingPyTorchsStateDictContinuesAsPyTorch(string id)
    {
        var sc = StateDictCase(id);
        var afterLoad = (sc["state_dict_after_load"] ?? sc["state_dict"])!.AsObject();
        Continue(sc, resumed => resumed.LoadStateDict(StateDictCheck.FromJson(sc["state_dict"]!.AsObject())), afterLoad);
    }
}
