using System.Globalization;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// Compares our state dicts with PyTorch's recorded ones (<c>recorder.record_state_dict_cases</c>),
/// and replays the first part of a run and its continuation after a load.
/// </summary>
internal static class StateDictCheck
{
    public static JsonObject Case(string fixture, string id)
        => Fixture.Load(fixture)["cases"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!.AsObject();

    /// <summary>The recorded trajectory up to the save point.</summary>
    public static (Optimizer, GoldenProblem) RunFirstPart(string trajectories, JsonObject sc, OptimizerFactory factory, double? tolerance = null)
    {
        var trajectory = TrajectoryCheck.Case(trajectories, sc["trajectory_id"]!.GetValue<string>());
        return TrajectoryCheck.Replay(trajectories, trajectory, factory, sc["steps_before_save"]!.GetValue<int>(), tolerance);
    }

    /// <summary>A fresh optimizer on fresh params holding PyTorch's values at the save point, loaded, then stepped on.</summary>
    public static void Continue(string trajectories, JsonObject sc, OptimizerFactory factory, Action<Optimizer> load, double? tolerance = null)
    {
        var dtype = Fixture.DType(sc["dtype"]!.GetValue<string>());
        var problem = new GoldenProblem(Fixture.Load(trajectories)["problem"]!, dtype);
        problem.SetParams(sc["params_at_save"]!.AsArray());
        var resumed = factory(problem.Params, sc["kwargs"]!.AsObject(), TrajectoryCheck.TensorKwargs(sc));
        load(resumed);
        var steps = Continuation(trajectories, sc);
        for (int k = 0; k < steps.Count; k++)
        {
            problem.SetRecordedGrads(steps[k]!);
            resumed.Step();
            TrajectoryCheck.AssertStep(resumed, problem, steps[k]!, dtype, $"{sc["id"]} continuation step {k + 1}", tolerance);
        }
        AssertMatches(resumed.StateDict(), sc["state_dict_after_continuation"]!.AsObject(), dtype, tolerance);
    }

    /// <summary>
    /// The recorded steps after the save: the case's own, or (<c>"continuation_steps": [first, last]</c>)
    /// those of its trajectory, which PyTorch's continuation equalled bit for bit.
    /// </summary>
    public static IReadOnlyList<JsonNode> Continuation(string trajectories, JsonObject sc)
    {
        if (sc["continuation"] is JsonArray own) return own.Select(s => s!).ToList();
        var range = sc["continuation_steps"]!.AsArray();
        int first = range[0]!.GetValue<int>(), last = range[1]!.GetValue<int>();
        var steps = TrajectoryCheck.Case(trajectories, sc["trajectory_id"]!.GetValue<string>())["steps"]!.AsArray();
        return steps.Skip(first - 1).Take(last - first + 1).Select(s => s!).ToList();
    }

    /// <summary>Our dict against PyTorch's: the same keys in the same order, equal options, close tensors.</summary>
    public static void AssertMatches(OptimizerStateDict ours, JsonObject torch, DType dtype, double? tolerance = null)
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
        Assert.Equal(torchState.Select(kv => int.Parse(kv.Key, CultureInfo.InvariantCulture)), ours.State.Keys.Cast<int>());
        foreach (var (key, value) in torchState)
        {
            var mine = ours.State[int.Parse(key, CultureInfo.InvariantCulture)];
            Assert.Equal(value!.AsObject().Select(kv => kv.Key), mine.Keys);
            foreach (var (name, v) in value.AsObject())
                AssertStateEntry(mine[name], v, dtype, $"state {key}.{name}", tolerance);
        }
    }

    /// <summary>One state entry: a tagged tensor (dtype, shape and values), a list of them, or a plain value.</summary>
    private static void AssertStateEntry(object? actual, JsonNode? expected, DType dtype, string what, double? tolerance = null)
    {
        switch (expected)
        {
            case JsonObject tagged when tagged["tensor"] is not null:
                var expectedTensor = Fixture.TaggedTensor(tagged);
                var tensor = Assert.IsAssignableFrom<Tensor>(actual);
                Assert.Equal(expectedTensor.DType, tensor.DType);
                Assert.Equal(expectedTensor.Shape, tensor.Shape);
                Tolerance.AssertClose(tensor, expectedTensor.ToDoubleArray(), dtype, what, tolerance);
                break;
            case JsonArray list:
                var items = Assert.IsAssignableFrom<System.Collections.IEnumerable>(actual).Cast<object?>().ToList();
                Assert.Equal(list.Count, items.Count);
                for (int i = 0; i < list.Count; i++) AssertStateEntry(items[i], list[i], dtype, $"{what}[{i}]", tolerance);
                break;
            default:
                AssertOptionEqual(actual, expected, what);
                break;
        }
    }

    public static void AssertOptionEqual(object? actual, JsonNode? expected, string what)
    {
        switch (expected)
        {
            case null: Assert.True(actual is null, $"{what}: expected None, got {actual}"); break;
            case JsonObject tagged when tagged["tensor"] is not null:
                // a tensor option (lr, betas): dtype, shape and value exactly
                var expectedTensor = Fixture.TaggedTensor(tagged);
                var tensor = Assert.IsAssignableFrom<Tensor>(actual);
                Assert.Equal(expectedTensor.DType, tensor.DType);
                Assert.Equal(expectedTensor.Shape, tensor.Shape);
                Assert.Equal(expectedTensor.ToDoubleArray(), tensor.ToDoubleArray());
                break;
            case JsonArray arr when actual is (System.Collections.IEnumerable or System.Runtime.CompilerServices.ITuple) and not string:
                // PyTorch's tuples (betas, eps, ns_coefficients) are JSON lists; ours are value tuples, or lists once loaded.
                var items = actual is System.Runtime.CompilerServices.ITuple tuple
                    ? Enumerable.Range(0, tuple.Length).Select(i => tuple[i]).ToList()
                    : ((System.Collections.IEnumerable)actual).Cast<object?>().ToList();
                Assert.Equal(arr.Count, items.Count);
                for (int i = 0; i < arr.Count; i++) AssertOptionEqual(items[i], arr[i], $"{what}[{i}]");
                break;
            case JsonValue v when v.TryGetValue<bool>(out var b): Assert.Equal(b, Assert.IsType<bool>(actual)); break;
            case JsonValue v when v.TryGetValue<string>(out var s): Assert.Equal(s, actual as string); break;
            default: Assert.Equal(Fixture.Number(expected), OptionValuesForTest.ToDouble(actual)); break;
        }
    }

    /// <summary>Two state values (tensors, lists of tensors, or plain values) are identical bit for bit.</summary>
    public static void AssertIdenticalValue(object? actual, object? expected, string what)
    {
        switch (expected)
        {
            case Tensor t:
                Tolerance.AssertIdentical(Assert.IsAssignableFrom<Tensor>(actual), t, what);
                break;
            case System.Collections.IEnumerable list and not string:
                var e = list.Cast<object?>().ToList();
                var a = Assert.IsAssignableFrom<System.Collections.IEnumerable>(actual).Cast<object?>().ToList();
                Assert.Equal(e.Count, a.Count);
                for (int i = 0; i < e.Count; i++) AssertIdenticalValue(a[i], e[i], $"{what}[{i}]");
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    /// <summary>PyTorch's recorded dict as an <see cref="OptimizerStateDict"/> (what a checkpoint reader produces).</summary>
    public static OptimizerStateDict FromJson(JsonObject torch)
    {
        var state = new OrderedDictionary<object, OrderedDictionary<string, object?>>();
        foreach (var (key, value) in torch["state"]!.AsObject())
        {
            var entry = new OrderedDictionary<string, object?>();
            foreach (var (name, v) in value!.AsObject()) entry[name] = FromJsonValue(v);
            state[int.Parse(key, CultureInfo.InvariantCulture)] = entry;
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
                    _ => FromJsonValue(v),
                };
            groups.Add(group);
        }
        return new OptimizerStateDict(state, groups);
    }

    /// <summary>
    /// A recorded value as a checkpoint reader would give it: tagged tensors as tensors, lists as
    /// <c>List&lt;object?&gt;</c> (PyTorch's tuples, e.g. betas, are written as JSON lists), integers
    /// as <c>long</c>, other numbers as <c>double</c>.
    /// </summary>
    public static object? FromJsonValue(JsonNode? v) => v switch
    {
        null => null,
        JsonObject o when o["tensor"] is not null => Fixture.TaggedTensor(o),
        JsonArray a => a.Select(FromJsonValue).ToList(),
        JsonValue jv when jv.TryGetValue<bool>(out var b) => b,
        JsonValue jv when jv.TryGetValue<string>(out var s) && s is not ("nan" or "inf" or "-inf") => s,
        JsonValue jv when jv.TryGetValue<long>(out var l) => l,
        _ => Fixture.Number(v),
    };
}
