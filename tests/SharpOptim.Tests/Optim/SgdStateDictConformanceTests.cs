using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// SGD state dicts against PyTorch's (tools/golden/sgd.py): the layout after 50 steps, a round
/// trip through our own dict, and loading PyTorch's own dict to continue its run.
/// </summary>
public class SgdStateDictConformanceTests
{
    private const string Trajectories = "sgd_trajectories.json.gz";
    private const string StateDicts = "sgd_state_dict.json.gz";

    public static IEnumerable<object[]> Cases()
        => Fixture.Load(StateDicts)["cases"]!.AsArray().Select(c => new object[] { c!["id"]!.GetValue<string>() });

    private static JsonObject StateCase(string id)
        => Fixture.Load(StateDicts)["cases"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!.AsObject();

    [Theory]
    [MemberData(nameof(Cases))]
    public void StateDictAfter50StepsHasPyTorchsLayoutAndValues(string id)
    {
        var sc = StateCase(id);
        var (optimizer, _) = RunFirstHalf(sc);
        AssertMatches(optimizer.StateDict(), sc["state_dict"]!.AsObject(), Fixture.DType(sc["dtype"]!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoundTripMidRunContinuesAsPyTorch(string id)
    {
        var sc = StateCase(id);
        var (first, _) = RunFirstHalf(sc);
        var saved = first.StateDict().DeepCopy();
        Continue(sc, resumed => resumed.LoadStateDict(saved));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LoadingPyTorchsStateDictContinuesAsPyTorch(string id)
    {
        var sc = StateCase(id);
        Continue(sc, resumed => resumed.LoadStateDict(FromJson(sc["state_dict"]!.AsObject())));
    }

    private static (Optimizer, GoldenProblem) RunFirstHalf(JsonObject sc)
    {
        var trajectory = TrajectoryCheck.Case(Trajectories, sc["trajectory_id"]!.GetValue<string>());
        return TrajectoryCheck.Replay(Trajectories, trajectory, SgdConformanceTests.Factory("default"), sc["steps_before_save"]!.GetValue<int>());
    }

    /// <summary>A fresh optimizer on fresh params holding PyTorch's values at the save point, loaded, then stepped on.</summary>
    private static void Continue(JsonObject sc, Action<Optimizer> load)
    {
        var dtype = Fixture.DType(sc["dtype"]!.GetValue<string>());
        var problem = new GoldenProblem(Fixture.Load(Trajectories)["problem"]!, dtype);
        problem.SetParams(sc["params_at_save"]!.AsArray());
        var resumed = SgdConformanceTests.Factory("default")(problem.Params, sc["kwargs"]!.AsObject(), TrajectoryCheck.TensorKwargs(sc));
        load(resumed);
        var steps = sc["continuation"]!.AsArray();
        for (int k = 0; k < steps.Count; k++)
        {
            problem.SetRecordedGrads(steps[k]!);
            resumed.Step();
            TrajectoryCheck.AssertStep(resumed, problem, steps[k]!, dtype, $"{sc["id"]} continuation step {k + 1}");
        }
        AssertMatches(resumed.StateDict(), sc["state_dict_after_continuation"]!.AsObject(), dtype);
    }

    /// <summary>Our dict against PyTorch's: the same keys in the same order, equal options, close tensors.</summary>
    internal static void AssertMatches(OptimizerStateDict ours, JsonObject torch, DType dtype)
    {
        var torchGroups = torch["param_groups"]!.AsArray();
        Assert.Equal(torchGroups.Count, ours.ParamGroups.Count);
        for (int g = 0; g < torchGroups.Count; g++)
        {
            var expected = torchGroups[g]!.AsObject();
            Assert.Equal(expected.Select(kv => kv.Key), ours.ParamGroups[g].Keys);
            foreach (var (key, value) in expected)
                AssertOptionEqual(ours.ParamGroups[g][key], value, $"group {g} '{key}'");
        }
        var torchState = torch["state"]!.AsObject();
        Assert.Equal(torchState.Select(kv => int.Parse(kv.Key)), ours.State.Keys.Cast<int>());
        foreach (var (key, value) in torchState)
        {
            var mine = ours.State[int.Parse(key)];
            Assert.Equal(value!.AsObject().Select(kv => kv.Key), mine.Keys);
            foreach (var (name, v) in value.AsObject())
            {
                var expectedTensor = Fixture.TaggedTensor(v!);
                var actual = Assert.IsAssignableFrom<Tensor>(mine[name]);
                Assert.Equal(expectedTensor.DType, actual.DType);
                Assert.Equal(expectedTensor.Shape, actual.Shape);
                Tolerance.AssertClose(actual, expectedTensor.ToDoubleArray(), dtype, $"state {key}.{name}");
            }
        }
    }

    internal static void AssertOptionEqual(object? actual, JsonNode? expected, string what)
    {
        switch (expected)
        {
            case null: Assert.True(actual is null, $"{what}: expected None, got {actual}"); break;
            case JsonArray arr when actual is System.Collections.IEnumerable list and not string:
                var items = list.Cast<object?>().ToList();
                Assert.Equal(arr.Count, items.Count);
                for (int i = 0; i < arr.Count; i++) AssertOptionEqual(items[i], arr[i], $"{what}[{i}]");
                break;
            case JsonValue v when v.TryGetValue<bool>(out var b): Assert.Equal(b, Assert.IsType<bool>(actual)); break;
            case JsonValue v when v.TryGetValue<string>(out var s): Assert.Equal(s, actual as string); break;
            default: Assert.Equal(Fixture.Number(expected), OptionValuesForTest.ToDouble(actual)); break;
        }
    }

    /// <summary>PyTorch's recorded dict as an <see cref="OptimizerStateDict"/> (what a checkpoint reader produces).</summary>
    internal static OptimizerStateDict FromJson(JsonObject torch)
    {
        var state = new OrderedDictionary<object, OrderedDictionary<string, object?>>();
        foreach (var (key, value) in torch["state"]!.AsObject())
        {
            var entry = new OrderedDictionary<string, object?>();
            foreach (var (name, v) in value!.AsObject()) entry[name] = Fixture.TaggedTensor(v!);
            state[int.Parse(key)] = entry;
        }
        var groups = new List<OrderedDictionary<string, object?>>();
        foreach (var g in torch["param_groups"]!.AsArray())
        {
            var group = new OrderedDictionary<string, object?>();
            foreach (var (key, v) in g!.AsObject())
                group[key] = key switch
                {
                    "params" => v!.AsArray().Select(x => x!.GetValue<int>()).ToList(),
                    "param_names" => v!.AsArray().Select(x => x!.GetValue<string>()).ToList(),
                    _ => v switch
                    {
                        null => null,
                        JsonValue jv when jv.TryGetValue<bool>(out var b) => b,
                        _ => (object)Fixture.Number(v),
                    },
                };
            groups.Add(group);
        }
        return new OptimizerStateDict(state, groups);
    }

    [Fact]
    public void NamedTwoGroupLayoutMatchesPyTorch()
    {
        var record = Fixture.Load(StateDicts)["named_two_groups"]!;
        var problem = new GoldenProblem(Fixture.Load(Trajectories)["problem"]!, DType.Float64);
        // SGD([{"params": [("W", W), ("b", b)], "lr": 0.1}, {"params": [("s", s)], "momentum": 0.5}], lr=0.01, momentum=0.9)
        var optimizer = new SGD(
        [
            new ParamGroup([("W", problem.W), ("b", problem.B)]) { ["lr"] = 0.1 },
            new ParamGroup([("s", problem.S)]) { ["momentum"] = 0.5 },
        ], lr: 0.01, momentum: 0.9);
        var steps = record["steps"]!.AsArray();
        foreach (var step in steps)
        {
            problem.SetRecordedGrads(step!);
            optimizer.Step();
        }
        TrajectoryCheck.AssertStep(optimizer, problem, steps[^1]!, DType.Float64, "named two groups");
        AssertMatches(optimizer.StateDict(), record["state_dict"]!.AsObject(), DType.Float64);
    }
}
