using System.Collections;
using System.Text.Json.Nodes;
using SharpOptim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// The <c>result</c> of an "ok" case in an error fixture (<c>common.run_error_case</c>): tensors in
/// state-dict form, lists, dicts (e.g. a parameter's state) and plain values.
/// </summary>
internal static class RecordedResult
{
    /// <summary>True when PyTorch ran case <paramref name="name"/> of <paramref name="fixture"/> without error or warning.</summary>
    public static bool IsOk(string fixture, string name)
        => Fixture.Load(fixture).AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!["kind"]!.GetValue<string>() == "ok";

    /// <summary>The recorded result of case <paramref name="name"/> in <paramref name="fixture"/> (or in one of its sections).</summary>
    public static JsonNode Of(string fixture, string name, string section = "")
    {
        var root = Fixture.Load(fixture);
        var records = section.Length == 0 ? root.AsArray() : root[section]!.AsArray();
        return records.Single(c => c!["name"]!.GetValue<string>() == name)!["result"]!;
    }

    /// <summary>The parameter after the case's steps, against PyTorch's (the snippets run in float32).</summary>
    public static void AssertParamMatches(string fixture, string name, Tensor param, string section = "")
        => Tolerance.AssertClose(param, Fixture.TaggedTensor(Of(fixture, name, section)).ToDoubleArray(), DType.Float32, $"{name} param");

    /// <summary>The tensor recorded at <paramref name="index"/> of a result list (e.g. the starting value of p).</summary>
    public static Tensor TensorAt(string fixture, string name, int index) => Fixture.TaggedTensor(Of(fixture, name)[index]!);

    /// <summary><paramref name="actual"/> matches the recorded value: same structure, keys in order, tensors' dtype and shape, values within tolerance.</summary>
    public static void AssertMatches(JsonNode? expected, object? actual, string what)
    {
        switch (expected)
        {
            case JsonObject tagged when tagged["tensor"] is not null:
                var e = Fixture.TaggedTensor(tagged);
                var t = Assert.IsAssignableFrom<Tensor>(actual);
                Assert.Equal(e.DType, t.DType);
                Assert.Equal(e.Shape, t.Shape);
                Tolerance.AssertClose(t.IsSparse ? t.ToDense() : t, e.ToDoubleArray(), e.DType, what);
                break;
            case JsonObject dict:
                var d = Assert.IsAssignableFrom<IDictionary<string, object?>>(actual);
                Assert.Equal(dict.Select(kv => kv.Key), d.Keys);
                foreach (var (key, value) in dict) AssertMatches(value, d[key], $"{what}.{key}");
                break;
            case JsonArray list:
                var items = Assert.IsAssignableFrom<IEnumerable>(actual).Cast<object?>().ToList();
                Assert.Equal(list.Count, items.Count);
                for (int i = 0; i < list.Count; i++) AssertMatches(list[i], items[i], $"{what}[{i}]");
                break;
            default:
                StateDictCheck.AssertOptionEqual(actual, expected, what);
                break;
        }
    }
}
