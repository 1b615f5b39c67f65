using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json.Nodes;
using SharpOptim;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// Reads the fixtures that tools/golden records from PyTorch (see tools/golden/README.md): plain or
/// gzipped JSON, and the compact <c>.sofx</c> container (tools/golden/fixture_format.py), whose
/// tensors are stored as binary floats behind <c>{"$f64": n}</c> / <c>{"$f32": n}</c> references.
/// Either way a tensor's values come out of <see cref="Numbers"/>; each file is read once per run.
/// </summary>
internal static class Fixture
{
    private static readonly Dictionary<string, JsonNode> Cache = new();

    /// <summary>
    /// The float64 and float32 sections of each loaded <c>.sofx</c> file, by its root. (One entry a
    /// file, not one a tensor: a table with an entry per tensor made every GC of the run slower.)
    /// </summary>
    private static readonly ConcurrentDictionary<JsonNode, (double[] F64, double[] F32)> Sections = new(ReferenceEqualityComparer.Instance);

    public static JsonNode Load(string name)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(name, out var node)) return node;
            node = LoadFile(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));
            Cache[name] = node;
            return node;
        }
    }

    /// <summary>Reads the fixture file at <paramref name="path"/> (uncached), in the format its extension says.</summary>
    public static JsonNode LoadFile(string path)
    {
        if (path.EndsWith(".sofx", StringComparison.Ordinal))
        {
            var (header, f64, f32) = SofxReader.Read(path);
            Sections[header] = (f64, f32);
            return header;
        }
        using Stream file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        return JsonNode.Parse(stream) ?? throw new InvalidDataException($"fixture {path} is empty");
    }

    /// <summary>A number as written by the generator: JSON number, or "nan"/"inf"/"-inf".</summary>
    public static double Number(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) => s switch
        {
            "nan" => double.NaN,
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            _ => double.Parse(s, CultureInfo.InvariantCulture),
        },
        _ => throw new InvalidDataException($"not a number: {node}"),
    };

    /// <summary>Whether <paramref name="node"/> holds a tensor's flat values (a JSON list of numbers or a binary reference).</summary>
    public static bool IsNumbers(JsonNode? node)
        => node is JsonArray || (node is JsonObject o && SofxReader.IsReference(o, out _, out _));

    /// <summary>A tensor's flat values: a JSON list of numbers, or a <c>.sofx</c> reference (a fresh copy each call).</summary>
    public static double[] Numbers(JsonNode? node)
    {
        if (node is JsonObject o && SofxReader.IsReference(o, out var kind, out int length))
        {
            var (f64, f32) = Sections[o.Root];
            return (kind == "$f64" ? f64 : f32).AsSpan(o["$at"]!.GetValue<int>(), length).ToArray();
        }
        if (node is JsonArray a) return a.Select(Number).ToArray();
        throw new InvalidDataException($"not a list of numbers: {node?.ToJsonString()}");
    }

    /// <summary>A flat list as a tensor of <paramref name="shape"/> and <paramref name="dtype"/> (float64 values cast once).</summary>
    public static Tensor Tensor(JsonNode? data, int[] shape, DType dtype) => Torch.Tensor(Numbers(data), shape).To(dtype);

    /// <summary>A <c>{"tensor": true, "dtype", "shape", "data"}</c> record.</summary>
    public static Tensor TaggedTensor(JsonNode node)
    {
        var dtype = node["dtype"]!.GetValue<string>() switch
        {
            "float32" => SharpOptim.DType.Float32,
            "float64" => SharpOptim.DType.Float64,
            "int64" => SharpOptim.DType.Int64,
            var other => throw new InvalidDataException($"unexpected dtype {other}"),
        };
        var shape = node["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
        if (dtype == SharpOptim.DType.Int64) return Torch.Tensor(node["data"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray(), shape);
        return Tensor(node["data"], shape, dtype);
    }

    public static DType DType(string name) => name == "float32" ? SharpOptim.DType.Float32 : SharpOptim.DType.Float64;
}
