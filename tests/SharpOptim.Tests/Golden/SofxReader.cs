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

    public static JsonNode Read(string path, Action<JsonObject, double[]> onReference)
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
        var sections = new Dictionary<string, Section> { ["$f64"] = new(doubles), ["$f32"] = new(singles) };
        Resolve(header, sections, onReference);
        foreach (var (kind, section) in sections)
            if (section.Next != section.Count) throw new InvalidDataException($"{path}: {section.Count - section.Next} {kind} values no reference uses");
        return header;
    }

    /// <summary>A section's values (float32 ones widened exactly) and how far the walk has consumed them.</summary>
    private sealed class Section(double[] values)
    {
        public int Count => values.Length;
        public int Next { get; set; }

        public double[] Take(int start, int length)
        {
            if (start < 0 || length < 0 || start + length > Count) throw new InvalidDataException($"reference [{start}, {start + length}) outside its section of {Count}");
            return values.AsSpan(start, length).ToArray();
        }
    }

    /// <summary>Walks the header in document order (the order the writer consumed each section in).</summary>
    private static void Resolve(JsonNode? node, Dictionary<string, Section> sections, Action<JsonObject, double[]> onReference)
    {
        switch (node)
        {
            case JsonObject o when o.Count > 0 && o.First().Key is "$f64" or "$f32":
                var section = sections[o.First().Key];
                int length = o.First().Value!.GetValue<int>();
                int start;
                if (o["$at"] is { } repeat) start = repeat.GetValue<int>();
                else
                {
                    start = section.Next;
                    section.Next += length;
                }
                onReference(o, section.Take(start, length));
                break;
            case JsonObject o:
                foreach (var (_, child) in o) Resolve(child, sections, onReference);
                break;
            case JsonArray a:
                foreach (var child in a) Resolve(child, sections, onReference);
                break;
        }
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
