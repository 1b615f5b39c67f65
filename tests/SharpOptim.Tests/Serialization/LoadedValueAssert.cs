using System.Collections;
using System.Globalization;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Serialization;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Serialization;

/// <summary>
/// Compares what <see cref="Torch.Load(string)"/> returned with PyTorch's own record of the same
/// object (common.py's encode_state_dict_value: tensors as <c>{"tensor": true, dtype, shape,
/// data}</c>, dicts in order with int keys written as strings, tuples as lists). Everything must
/// be exact: tensor bits, int versus float, key order.
/// </summary>
internal static class LoadedValueAssert
{
    public static void Equal(JsonNode? expected, object? actual, string path = "checkpoint")
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected None, got {Describe(actual)}");
                break;
            case JsonObject o when o["tensor"] is JsonValue:
                var t = Assert.IsAssignableFrom<Tensor>(actual);
                Assert.True(o["dtype"]!.GetValue<string>() == t.DType.TorchName(), $"{path}: dtype {t.DType.TorchName()}, PyTorch has {o["dtype"]}");
                Assert.Equal(o["shape"]!.AsArray().Select(x => x!.GetValue<int>()), t.Shape);
                AssertBits(o["data"]!.AsArray(), t, path);
                break;
            case JsonObject o:
                var dict = Assert.IsAssignableFrom<IDictionary>(actual);
                var keys = dict.Keys.Cast<object>().ToList();
                Assert.True(o.Select(kv => kv.Key).SequenceEqual(keys.Select(KeyText)),
                    $"{path}: keys [{string.Join(", ", keys.Select(KeyText))}], PyTorch has [{string.Join(", ", o.Select(kv => kv.Key))}]");
                foreach (var key in keys) Equal(o[KeyText(key)], dict[key], $"{path}[{KeyText(key)}]");
                break;
            case JsonArray a:
                Assert.True(actual is List<object?> or PyTuple, $"{path}: expected a list or tuple, got {Describe(actual)}");
                var items = ((IEnumerable<object?>)actual!).ToList();
                Assert.Equal(a.Count, items.Count);
                for (int i = 0; i < a.Count; i++) Equal(a[i], items[i], $"{path}[{i}]");
                break;
            case JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String && actual is double d:
                Assert.Equal(Fixture.Number(v), d);
                break;
            case JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String:
                Assert.Equal(v.GetValue<string>(), Assert.IsType<string>(actual));
                break;
            case JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False:
                Assert.Equal(v.GetValue<bool>(), Assert.IsType<bool>(actual));
                break;
            case JsonValue v when IsIntegerLiteral(v):
                Assert.True(actual is long, $"{path}: PyTorch has the int {v}, loaded {Describe(actual)}");
                Assert.Equal(v.GetValue<long>(), (long)actual!);
                break;
            case JsonValue v:
                Assert.True(actual is double, $"{path}: PyTorch has the float {v}, loaded {Describe(actual)}");
                Assert.Equal(v.GetValue<double>(), (double)actual!);
                break;
        }
    }

    /// <summary>Python's json writes a float with a '.' or an exponent, an int without.</summary>
    public static bool IsIntegerLiteral(JsonValue v) => !v.ToJsonString().AsSpan().ContainsAny(".eE");

    public static void AssertBits(JsonArray expected, Tensor actual, string path)
    {
        Assert.Equal(expected.Count, actual.Numel);
        if (actual.DType == DType.Int64)
        {
            Assert.Equal(expected.Select(x => x!.GetValue<long>()), actual.ToArray<long>());
            return;
        }
        if (actual.DType == DType.Bool)
        {
            Assert.Equal(expected.Select(x => x!.GetValue<bool>()), actual.ToArray<bool>());
            return;
        }
        var values = actual.ToDoubleArray();
        for (int i = 0; i < values.Length; i++)
        {
            double e = Fixture.Number(expected[i]);
            Assert.True(BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(values[i]) || (double.IsNaN(e) && double.IsNaN(values[i])),
                $"{path}: element {i} is {values[i]:R}, PyTorch has {e:R}");
        }
    }

    private static string KeyText(object key) => Convert.ToString(key, CultureInfo.InvariantCulture)!;

    private static string Describe(object? value) => value is null ? "None" : $"{value} ({value.GetType().Name})";
}
