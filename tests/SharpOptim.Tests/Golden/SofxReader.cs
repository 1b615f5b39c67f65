using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json.Nodes;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// Reads a <c>.sofx</c> fixture (the layout is in tools/golden/fixture_format.py): a gzip of
/// "SOFX", version, header length and the two section counts (u32 little-endian each), the JSON
/// header, then the float64 and float32 sections, each byte-shuffled. The header keeps its
/// references (<c>{"$f64": n}</c>, <c>{"$f32": n}</c>, with <c>"$at"</c> for a repeat); each is
/// handed to the caller with its values, so no tensor is ever parsed from decimal text.
/// </summary>
internal static class SofxReader
{
    private const int Version = 1;

    /// <summary>
    /// The header of the fixture at <paramref name="path"/>, every reference in it given its
    /// <c>"$at"</c> (sequential ones included), and the two sections' values, float32 ones widened exactly.
    /// </summary>
    public static (JsonNode Header, double[] F64, double[] F32) Read(string path)
    {
        byte[] payload;
        using (var file = File.OpenRead(path))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        using (var buffer = new MemoryStream())
        {
            gzip.CopyTo(buffer);
            payload = buffer.ToArray();
        }
        var bytes = payload.AsSpan();
        if (bytes.Length < 20 || !bytes[..4].SequenceEqual("SOFX"u8))
            throw new InvalidDataException($"{path} is not a .sofx fixture");
        int version = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        if (version != Version) throw new InvalidDataException($"{path}: .sofx version {version}, this reader knows {Version}");
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        int f64Count = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        int f32Count = BinaryPrimitives.ReadInt32LittleEndian(bytes[16..]);
        int at = 20;
        var header = JsonNode.Parse(bytes.Slice(at, headerLength)) ?? throw new InvalidDataException($"{path}: empty header");
        at += headerLength;
        var f64 = Unshuffle(bytes.Slice(at, 8 * f64Count), 8);
        var f32 = Unshuffle(bytes.Slice(at + 8 * f64Count, 4 * f32Count), 4);

        var doubles = new double[f64Count];
        for (int i = 0; i < f64Count; i++) doubles[i] = BinaryPrimitives.ReadDoubleLittleEndian(f64.AsSpan(8 * i));
        var singles = new double[f32Count];
        for (int i = 0; i < f32Count; i++) singles[i] = BinaryPrimitives.ReadSingleLittleEndian(f32.AsSpan(4 * i));
        var next = new Dictionary<string, int> { ["$f64"] = 0, ["$f32"] = 0 };
        var counts = new Dictionary<string, int> { ["$f64"] = f64Count, ["$f32"] = f32Count };
        Resolve(header, next, counts, path);
        foreach (var (kind, count) in counts)
            if (next[kind] != count) throw new InvalidDataException($"{path}: {count - next[kind]} {kind} values no reference uses");
        return (header, doubles, singles);
    }

    /// <summary>
    /// Walks the header in document order (the order the writer consumed each section in), giving
    /// each sequential reference the <c>"$at"</c> it was written at.
    /// </summary>
    private static void Resolve(JsonNode? node, Dictionary<string, int> next, Dictionary<string, int> counts, string path)
    {
        switch (node)
        {
            case JsonObject o when IsReference(o, out var kind, out int length):
                int start;
                if (o["$at"] is { } repeat) start = repeat.GetValue<int>();
                else
                {
                    start = next[kind];
                    next[kind] += length;
                    o["$at"] = start;
                }
                if (start < 0 || length < 0 || start + length > counts[kind])
                    throw new InvalidDataException($"{path}: reference [{start}, {start + length}) outside its section of {counts[kind]}");
                break;
            case JsonObject o:
                foreach (var (_, child) in o) Resolve(child, next, counts, path);
                break;
            case JsonArray a:
                foreach (var child in a) Resolve(child, next, counts, path);
                break;
        }
    }

    /// <summary>Whether <paramref name="o"/> is a reference (<c>{"$f64": n}</c> or <c>{"$f32": n}</c>, maybe with <c>"$at"</c>).</summary>
    public static bool IsReference(JsonObject o, out string kind, out int length)
    {
        kind = "";
        length = 0;
        if (o.Count is < 1 or > 2) return false;
        var (key, value) = o.First();
        if (key is not ("$f64" or "$f32")) return false;
        kind = key;
        length = value!.GetValue<int>();
        return true;
    }

    /// <summary>Undoes the writer's byte shuffle: byte k of value i sits at k·count + i.</summary>
    private static byte[] Unshuffle(ReadOnlySpan<byte> shuffled, int width)
    {
        int count = shuffled.Length / width;
        var bytes = new byte[shuffled.Length];
        for (int k = 0; k < width; k++)
        {
            var plane = shuffled.Slice(k * count, count);
            for (int i = 0; i < count; i++) bytes[i * width + k] = plane[i];
        }
        return bytes;
    }
}
