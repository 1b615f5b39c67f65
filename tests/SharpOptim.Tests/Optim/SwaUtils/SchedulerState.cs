using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using SharpOptim.Tests.LrScheduler;
using Xunit;

namespace SharpOptim.Tests.Optim.SwaUtils;

/// <summary>Learning rates and scheduler state dicts as tools/golden/swa_utils.py records them, and back.</summary>
internal static class SchedulerState
{
    /// <summary>A recorded value as the C# object a state dict holds (the scheduler tests' reading of the same JSON).</summary>
    public static object? FromJson(JsonNode? node) => StateDictJson.ToValue(node);

    public static OrderedDictionary<string, object?> Dict(JsonNode? node)
        => Assert.IsType<OrderedDictionary<string, object?>>(StateDictJson.ToValue(node!.AsObject()));

    /// <summary>A learning rate: a number (float64 tolerance) or a tensor (its dtype's tolerance), the same kind as PyTorch's.</summary>
    public static void AssertLr(object? actual, JsonNode? expected, string what)
    {
        if (expected is JsonObject tensor)
        {
            var t = actual switch
            {
                Tensor x => x,
                FloatOrTensor { Tensor: { } x } => x,
                _ => throw Xunit.Sdk.FailException.ForFailure($"{what}: PyTorch has a tensor, ours is {actual}"),
            };
            SwaFixture.AssertTensor(t, tensor, what);
            return;
        }
        double value = actual switch
        {
            double d => d,
            FloatOrTensor { IsTensor: false } f => f.Value,
            _ => throw Xunit.Sdk.FailException.ForFailure($"{what}: PyTorch has a number, ours is {actual}"),
        };
        Tolerance.AssertClose(Torch.Tensor([value]), [Fixture.Number(expected)], DType.Float64, what);
    }

    public static void AssertLrs(IEnumerable<object?> actual, JsonNode? expected, string what)
    {
        var list = actual.ToList();
        var want = expected!.AsArray();
        Assert.Equal(want.Count, list.Count);
        for (int i = 0; i < list.Count; i++) AssertLr(list[i], want[i], $"{what}[{i}]");
    }

    public static void AssertGroupLrs(Optimizer optimizer, JsonNode? expected, string what)
        => AssertLrs(optimizer.ParamGroups.Select(g => g["lr"]), expected, what);

    /// <summary>Our state dict against PyTorch's: the same keys in order, equal scalars, close learning rates.</summary>
    public static void AssertState(OrderedDictionary<string, object?> actual, JsonNode? expected, string what)
    {
        var want = expected!.AsObject();
        Assert.True(want.Select(kv => kv.Key).SequenceEqual(actual.Keys),
            $"{what}: keys [{string.Join(", ", actual.Keys)}], PyTorch has [{string.Join(", ", want.Select(kv => kv.Key))}]");
        foreach (var (key, value) in want)
        {
            if (value is JsonArray) AssertLrs(((IEnumerable<object?>)actual[key]!), value, $"{what} {key}");
            else Assert.Equal(FromJson(value), actual[key]);
        }
    }

    /// <summary>
    /// Two of our state dicts hold the same keys in the same order and identical values (tensors
    /// compared by value, bit for bit: state dicts hold copies, never the scheduler's own tensors).
    /// </summary>
    public static void AssertSameState(OrderedDictionary<string, object?> actual, OrderedDictionary<string, object?> expected, string what)
    {
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (key, value) in expected) StateDictCheck.AssertIdenticalValue(actual[key], value, $"{what} {key}");
    }

    /// <summary>Warnings raised on this thread while <paramref name="action"/> runs (tests of other classes run in parallel).</summary>
    public static List<TorchWarningEventArgs> WarningsOf(Action action)
    {
        using var warnings = new ThreadWarnings();
        action();
        return warnings.TakeEvents();
    }
}
