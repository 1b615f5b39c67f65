using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim.LrScheduler;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.LrScheduler;

/// <summary>
/// State dicts as the golden script writes them (Python's types: an int is written without a
/// decimal point, a float with one; inf as "inf"; tensors tagged) turned into the values a C#
/// state dict holds, and C# state dicts compared with them: same keys in the same order, same
/// Python types, numbers within <see cref="RelativeTolerance"/>.
/// </summary>
internal static class StateDictJson
{
    public const double RelativeTolerance = 1e-12;

    /// <summary>
    /// Entries where SharpOptim holds a float for PyTorch's int default, compared by value only:
    /// in param groups the optimizer's own int defaults (SGD's <c>momentum=0</c>), which
    /// SharpOptim's optimizers hold as doubles.
    /// </summary>
    private static readonly string[] IntAsFloatAllowed = ["param_groups"];

    private static bool IsIntLiteral(JsonValue v)
    {
        var text = v.ToJsonString();
        return !text.Contains('.') && !text.Contains('e') && !text.Contains('E');
    }

    private static bool IsNonFinite(string s) => s is "inf" or "-inf" or "nan";

    /// <summary>A recorded value as a C# state-dict value.</summary>
    public static object? ToValue(JsonNode? node, string key = "")
    {
        switch (node)
        {
            case null:
                return null;
            case JsonValue v when v.TryGetValue<bool>(out var b):
                return b;
            case JsonValue v when v.TryGetValue<string>(out var s):
                return IsNonFinite(s) ? Fixture.Number(v) : s;
            case JsonValue v when IsIntLiteral(v):
                return v.GetValue<int>();
            case JsonValue v:
                return v.GetValue<double>();
            case JsonObject o when o["tensor"] is JsonValue t && t.TryGetValue<bool>(out var isTensor) && isTensor:
                return Fixture.TaggedTensor(o);
            case JsonObject o when key == "milestones":
                var counter = new Counter();
                foreach (var (k, count) in o) counter[int.Parse(k, CultureInfo.InvariantCulture)] = count!.GetValue<int>();
                return counter;
            case JsonObject o:
                var dict = new OrderedDictionary<string, object?>();
                foreach (var (k, child) in o) dict[k] = ToValue(child, k);
                return dict;
            case JsonArray a:
                return a.Select(x => ToValue(x, key)).ToList();
            default:
                throw new InvalidDataException($"unexpected JSON {node}");
        }
    }

    /// <summary>Asserts that <paramref name="actual"/> matches the recorded <paramref name="expected"/>; returns the worst relative error seen.</summary>
    public static double AssertSame(object? actual, JsonNode? expected, string path)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected None, got {Show(actual)}");
                return 0;
            case JsonValue v when v.TryGetValue<bool>(out var b):
                Assert.True(actual is bool a && a == b, $"{path}: expected {b}, got {Show(actual)}");
                return 0;
            case JsonValue v when v.TryGetValue<string>(out var s) && !IsNonFinite(s):
                Assert.True(actual is string a2 && a2 == s, $"{path}: expected '{s}', got {Show(actual)}");
                return 0;
            case JsonValue v when v.TryGetValue<string>(out _) || !IsIntLiteral(v):
                Assert.True(actual is double, $"{path}: expected a float, got {Show(actual)}");
                return Close((double)actual!, Fixture.Number(v), path);
            case JsonValue v:
                long expectedInt = v.GetValue<long>();
                if (actual is double d && IntAsFloatAllowed.Any(path.Contains))
                    return Close(d, expectedInt, path);
                Assert.True(actual is int or long, $"{path}: expected the int {expectedInt}, got {Show(actual)}");
                Assert.Equal(expectedInt, System.Convert.ToInt64(actual, CultureInfo.InvariantCulture));
                return 0;
            case JsonObject o when o["tensor"] is JsonValue t && t.TryGetValue<bool>(out var isTensor) && isTensor:
                return SameTensor(actual, o, path);
            case JsonObject o:
                Assert.True(actual is IDictionary, $"{path}: expected a dict, got {Show(actual)}");
                var entries = Entries((IDictionary)actual!);
                Assert.Equal(o.Select(kv => kv.Key).ToList(), entries.Select(e => System.Convert.ToString(e.Key, CultureInfo.InvariantCulture)!).ToList());
                return entries.Select((e, i) => AssertSame(e.Value, o[i], $"{path}.{e.Key}")).DefaultIfEmpty().Max();
            case JsonArray arr:
                var items = Items(actual, path);
                Assert.True(arr.Count == items.Count, $"{path}: expected {arr.Count} items, got {items.Count}");
                return items.Select((x, i) => AssertSame(x, arr[i], $"{path}[{i}]")).DefaultIfEmpty().Max();
            default:
                throw new InvalidDataException($"unexpected JSON {expected}");
        }
    }

    /// <summary>A dictionary's entries in order (through IDictionary's own enumerator, which yields DictionaryEntry).</summary>
    private static List<DictionaryEntry> Entries(IDictionary dict)
    {
        var entries = new List<DictionaryEntry>();
        var e = dict.GetEnumerator();
        while (e.MoveNext()) entries.Add(e.Entry);
        return entries;
    }

    private static List<object?> Items(object? value, string path) => value switch
    {
        ITuple t => Enumerable.Range(0, t.Length).Select(i => t[i]).ToList(),
        IEnumerable e and not string and not IDictionary => e.Cast<object?>().ToList(),
        _ => throw new Xunit.Sdk.XunitException($"{path}: expected a list, got {Show(value)}"),
    };

    private static double SameTensor(object? actual, JsonObject expected, string path)
    {
        Assert.True(actual is Tensor, $"{path}: expected a tensor, got {Show(actual)}");
        var t = (Tensor)actual!;
        Assert.Equal(expected["dtype"]!.GetValue<string>(), t.DType.TorchName());
        Assert.Equal(expected["shape"]!.AsArray().Select(x => x!.GetValue<int>()), t.Shape);
        var data = Fixture.Numbers(expected["data"]);
        var got = t.ToDoubleArray();
        return data.Select((e, i) => Close(got[i], e, $"{path}[{i}]")).DefaultIfEmpty().Max();
    }

    /// <summary>Asserts |actual − expected| ≤ 1e-12·|expected| (exact for zero and non-finite values); returns the relative error.</summary>
    public static double Close(double actual, double expected, string what)
    {
        if (actual.Equals(expected)) return 0;
        double err = Math.Abs(actual - expected) / Math.Abs(expected);
        if (double.IsNaN(err)) err = double.PositiveInfinity;
        Assert.True(err <= RelativeTolerance, $"{what}: expected {expected:R}, got {actual:R} (relative error {err:E2})");
        return err;
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        _ => $"{value} ({value.GetType().Name})",
    };
}
