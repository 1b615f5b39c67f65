using System.Buffers.Binary;
using System.Buffers;
using System.Text;
using SharpOptim.Serialization;

namespace SharpOptim.Tests.Serialization;

/// <summary>Builds pickles opcode by opcode, for files that no honest writer would produce.</summary>
internal sealed class PickleBuilder
{
    private readonly ArrayBufferWriter<byte> _out = new();

    public PickleBuilder(int protocol = 2)
    {
        if (protocol >= 2) Op(0x80, (byte)protocol);
    }

    public PickleBuilder Op(params byte[] bytes)
    {
        _out.Write(bytes);
        return this;
    }

    public PickleBuilder Op(char opcode) => Op((byte)opcode);

    /// <summary>An opcode with a one-byte argument, e.g. <c>Op('K', 1)</c> (BININT1 1) or <c>Op('q', 0)</c> (BINPUT 0).</summary>
    public PickleBuilder Op(char opcode, byte argument) => Op((byte)opcode, argument);

    public PickleBuilder Text(string text) => Op(Encoding.UTF8.GetBytes(text));

    public PickleBuilder Global(string module, string name) => Op('c').Text($"{module}\n{name}\n");

    public PickleBuilder Str(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return Op('X').UInt32((uint)bytes.Length).Op(bytes);
    }

    public PickleBuilder Int(int v) => Op('J').Int32(v);

    public PickleBuilder UInt32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return Op(b.ToArray());
    }

    public PickleBuilder Int32(int v) => UInt32((uint)v);

    public PickleBuilder UInt64(ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return Op(b.ToArray());
    }

    public PickleBuilder Repeat(int count, Action<PickleBuilder> body)
    {
        for (int i = 0; i < count; i++) body(this);
        return this;
    }

    /// <summary>('storage', torch.FloatStorage, key, 'cpu', numel) BINPERSID.</summary>
    public PickleBuilder Storage(string key, long numel, string storageClass = "FloatStorage")
    {
        Op('(').Str("storage").Global("torch", storageClass).Str(key).Str("cpu");
        if (numel <= int.MaxValue) Int((int)numel);
        else
        {
            var bytes = new System.Numerics.BigInteger(numel).ToByteArray();
            Op(0x8a, (byte)bytes.Length).Op(bytes);
        }
        return Op('t').Op('Q');
    }

    /// <summary>_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()) REDUCE.</summary>
    public PickleBuilder Tensor(string key, long numel, int offset, int[] size, long[] stride, string storageClass = "FloatStorage")
    {
        Global("torch._utils", "_rebuild_tensor_v2").Op('(').Storage(key, numel, storageClass).Int(offset);
        Op('(');
        foreach (var s in size) Int(s);
        Op('t').Op('(');
        foreach (var s in stride) Int((int)s);
        return Op('t').Op(0x89).Global("collections", "OrderedDict").Op(')').Op('R').Op('t').Op('R');
    }

    public PickleBuilder Stop() => Op('.');

    public byte[] Bytes => _out.WrittenSpan.ToArray();
}

/// <summary>Wraps pickles and records into a checkpoint archive (PyTorch's layout) or takes real files apart.</summary>
internal static class CraftedCheckpoint
{
    public static byte[] Archive(byte[] pickle, params (string Name, byte[] Data)[] records)
    {
        using var output = new MemoryStream();
        var zip = new TorchZipWriter(output, "archive");
        zip.WriteRecord("data.pkl", pickle);
        zip.WriteRecord("byteorder", "little"u8);
        foreach (var (name, data) in records) zip.WriteRecord(name, data);
        zip.Finish();
        return output.ToArray();
    }

    public static byte[] Archive(PickleBuilder pickle, params (string Name, byte[] Data)[] records) => Archive(pickle.Stop().Bytes, records);

    /// <summary>The records of a checkpoint, in order, without the archive folder and without those Finish() writes.</summary>
    public static List<(string Name, byte[] Data)> Records(byte[] checkpoint)
    {
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(checkpoint));
        var records = new List<(string, byte[])>();
        foreach (var entry in zip.Entries)
        {
            string name = entry.FullName[(entry.FullName.IndexOf('/') + 1)..];
            if (name is "version" or ".data/serialization_id") continue;
            using var s = entry.Open();
            var copy = new MemoryStream();
            s.CopyTo(copy);
            records.Add((name, copy.ToArray()));
        }
        return records;
    }

    /// <summary>A checkpoint made of <paramref name="records"/> (as <see cref="Records"/> returns them), CRCs recomputed.</summary>
    public static byte[] Rebuild(IEnumerable<(string Name, byte[] Data)> records)
    {
        using var output = new MemoryStream();
        var zip = new TorchZipWriter(output, "archive");
        foreach (var (name, data) in records) zip.WriteRecord(name, data);
        zip.Finish();
        return output.ToArray();
    }

    public static object? Load(byte[] checkpoint) => Torch.Load(new MemoryStream(checkpoint));

    public static string FixturePath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);
}
