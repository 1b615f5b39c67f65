using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// Replays a recorded PyTorch trajectory through one of our optimizers: each step gets PyTorch's
/// recorded gradients, and the params and every state entry afterwards must match PyTorch's
/// within <see cref="Tolerance"/>. Reused by every algorithm's conformance tests.
/// </summary>
internal static class TrajectoryCheck
{
    public static JsonObject Case(string fixture, string id)
        => Fixture.Load(fixture)["cases"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!.AsObject();

    public static IEnumerable<string> CaseIds(string fixture)
        => Fixture.Load(fixture)["cases"]!.AsArray().Select(c => c!["id"]!.GetValue<string>());

    /// <summary>Runs every recorded step (or the first <paramref name="steps"/>), checking each within <paramref name="tolerance"/> (default <see cref="Tolerance.For"/>).</summary>
    public static (Optimizer Optimizer, GoldenProblem Problem) Replay(string fixture, JsonObject testCase, OptimizerFactory factory, int? steps = null, double? tolerance = null)
    {
        var dtype = Fixture.DType(testCase["dtype"]!.GetValue<string>());
        var problem = new GoldenProblem(Fixture.Load(fixture)["problem"]!, dtype);
        var optimizer = factory(problem.Params, testCase["kwargs"]!.AsObject(), TensorKwargs(testCase));
        var records = testCase["steps"]!.AsArray();
        int n = steps ?? records.Count;
        for (int k = 0; k < n; k++)
        {
            problem.SetRecordedGrads(records[k]!);
            optimizer.Step();
            AssertStep(optimizer, problem, records[k]!, dtype, $"{testCase["id"]} step {k + 1}", tolerance);
        }
        return (optimizer, problem);
    }

    public static ISet<string> TensorKwargs(JsonObject testCase)
        => testCase["tensor_kwargs"]?.AsArray().Select(x => x!.GetValue<string>()).ToHashSet() ?? [];

    /// <summary>Params and state after one step against PyTorch's record of that step.</summary>
    public static void AssertStep(Optimizer optimizer, GoldenProblem problem, JsonNode record, DType dtype, string where, double? tolerance = null)
    {
        var expectedParams = record["params"]!.AsArray();
        var expectedState = record["state"]?.AsArray(); // recorded at selected steps only (fixture_layout.keeps_state)
        for (int i = 0; i < problem.Params.Length; i++)
        {
            var p = problem.Params[i];
            Tolerance.AssertClose(p, Fixture.Numbers(expectedParams[i]), dtype, $"{where}: param {problem.ParamNames[i]}", tolerance);
            if (expectedState is null) continue;
            var expected = expectedState[i]!.AsObject();
            optimizer.State.TryGetValue(p, out var actual);
            var actualKeys = actual?.Keys.ToArray() ?? [];
            Assert.True(expected.Select(kv => kv.Key).SequenceEqual(actualKeys),
                $"{where}: state keys of {problem.ParamNames[i]} are [{string.Join(", ", actualKeys)}], PyTorch has [{string.Join(", ", expected.Select(kv => kv.Key))}]");
            foreach (var (key, value) in expected)
                AssertStateValue(actual![key], value!, dtype, $"{where}: state {problem.ParamNames[i]}.{key}", tolerance);
        }
    }

    /// <summary>
    /// Two replays of one case (e.g. the reference path and the foreach kernel) ended bit for bit
    /// alike: every param, and every state entry in the same order.
    /// </summary>
    public static void AssertIdentical(Optimizer expected, GoldenProblem expectedProblem, Optimizer actual, GoldenProblem actualProblem, string what)
    {
        for (int i = 0; i < expectedProblem.Params.Length; i++)
        {
            Tolerance.AssertIdentical(actualProblem.Params[i], expectedProblem.Params[i], $"{what} param {i}");
            if (!expected.State.TryGetValue(expectedProblem.Params[i], out var es)) continue;
            var states = actual.State[actualProblem.Params[i]];
            Assert.Equal(es.Keys, states.Keys);
            foreach (var (key, value) in es)
                StateDictCheck.AssertIdenticalValue(states[key], value, $"{what} state {i}.{key}");
        }
    }

    public static void AssertStateValue(object? actual, JsonNode expected, DType dtype, string what, double? tolerance = null)
    {
        switch (actual)
        {
            case Tensor t when Fixture.IsNumbers(expected):
                Tolerance.AssertClose(t, Fixture.Numbers(expected), dtype, what, tolerance);
                break;
            case Tensor t:
                Tolerance.AssertClose(t, [Fixture.Number(expected)], dtype, what, tolerance);
                break;
            default:
                Assert.Equal(Fixture.Number(expected), OptionValuesForTest.ToDouble(actual), 12);
                break;
        }
    }
}

internal static class OptionValuesForTest
{
    public static double ToDouble(object? value) => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        bool b => b ? 1 : 0,
        Tensor t => t.Item(),
        _ => throw new InvalidCastException($"{value} is not a number"),
    };
}
