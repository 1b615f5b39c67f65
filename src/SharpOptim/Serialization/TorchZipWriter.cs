using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace SharpOptim.Serialization;

/// <summary>
/// Writes the zip container of a PyTorch checkpoint with the layout PyTorch's writer (miniz via
/// <c>caffe2::serialize::PyTorchStreamWriter</c>) produces, byte for byte in structure: every
/// record stored uncompressed under <c>&lt;archive&gt;/</c>, its data aligned to 64 bytes by an
/// extra field <c>"FB"</c> padded with <c>'Z'</c>, zeroed sizes in the local header and a data
/// descriptor after the data (none for an empty record), then the central directory, a zip64
/// end record, its locator and the classic end record. Matching the layout matters beyond
/// looks: <c>torch.load(mmap=True)</c> computes storage offsets from it.
/// </summary>
internal sealed class TorchZipWriter
{
    public const int Alignment = 64;
    private const uint DataDescriptorSignature = 0x08074b50;
    private const ushort FlagDataDescriptor = 0x0008;
    private const ushort FlagUtf8 = 0x0800;

    private readonly Stream _output;
    private readonly string _prefix;
    private readonly List<(byte[] Name, ushort Flags, uint Crc, uint Size, uint Offset)> _entries = [];
    private long _position;
    private ulong _combinedCrc;
    private ulong _combinedNameHash;

    public TorchZipWriter(Stream output, string archiveName)
    {
        _output = output;
        _prefix = archiveName + "/";
    }

    /// <summary>Appends one record, <c>&lt;archive&gt;/<paramref name="name"/></c>.</summary>
    public void WriteRecord(string name, ReadOnlySpan<byte> data)
    {
        var fullName = Encoding.UTF8.GetBytes(_prefix + name);
        int padding = PaddingFor(_position, fullName.Length);
        long end = _position + ZipLayout.LocalHeaderSize + fullName.Length + 4 + padding + data.Length + (data.Length > 0 ? 16 : 0);
        if (end >= uint.MaxValue || _entries.Count >= ushort.MaxValue)
            throw new NotSupportedException("checkpoints of 4 GiB or more (or 65535 records) need zip64 records, which SharpOptim does not write");

        ushort flags = data.Length > 0 ? (ushort)(FlagUtf8 | FlagDataDescriptor) : FlagUtf8;
        long headerOffset = _position;

        var header = new byte[ZipLayout.LocalHeaderSize + fullName.Length + 4 + padding];
        var h = header.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(h, ZipLayout.LocalHeaderSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], flags);         // version needed, method, time, date, crc and sizes stay 0
        BinaryPrimitives.WriteUInt16LittleEndian(h[26..], (ushort)fullName.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)(padding + 4));
        fullName.CopyTo(h[ZipLayout.LocalHeaderSize..]);
        var extra = h[(ZipLayout.LocalHeaderSize + fullName.Length)..];
        extra[0] = (byte)'F';
        extra[1] = (byte)'B';
        BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], (ushort)padding);
        extra[4..].Fill((byte)'Z');
        Write(header);
        uint crc = data.Length > 0 ? WriteChecksummed(data) : 0;
        _entries.Add((fullName, flags, crc, (uint)data.Length, (uint)headerOffset));
        if (data.Length > 0)
        {
            Span<byte> descriptor = stackalloc byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor, DataDescriptorSignature);
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor[4..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor[8..], (uint)data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor[12..], (uint)data.Length);
            Write(descriptor);
            _combinedCrc = HashCombine(_combinedCrc, crc);
        }
        _combinedNameHash = HashCombine(_combinedNameHash, Fnv1a(name));
    }

    /// <summary>
    /// Writes <c>version</c> and <c>.data/serialization_id</c> (as PyTorch's <c>writeEndOfFile</c>
    /// does), then the directory records. The id has PyTorch's form, 20 digits of a hash of the
    /// record names then 20 digits of the records' CRCs combined with <c>c10::hash_combine</c>;
    /// the name hash is FNV-1a in write order, since PyTorch's depends on its hash set's order.
    /// </summary>
    public void Finish()
    {
        WriteRecord("version", "3\n"u8);
        var id = _combinedNameHash.ToString("D20", CultureInfo.InvariantCulture) + _combinedCrc.ToString("D20", CultureInfo.InvariantCulture);
        WriteRecord(".data/serialization_id", Encoding.ASCII.GetBytes(id));

        long directoryStart = _position;
        foreach (var e in _entries)
        {
            var entry = new byte[ZipLayout.CentralHeaderSize + e.Name.Length];
            var s = entry.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(s, ZipLayout.CentralHeaderSignature);
            BinaryPrimitives.WriteUInt16LittleEndian(s[8..], e.Flags);   // made by, needed, method, time, date stay 0
            BinaryPrimitives.WriteUInt32LittleEndian(s[16..], e.Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(s[20..], e.Size);
            BinaryPrimitives.WriteUInt32LittleEndian(s[24..], e.Size);
            BinaryPrimitives.WriteUInt16LittleEndian(s[28..], (ushort)e.Name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(s[42..], e.Offset);
            e.Name.CopyTo(s[46..]);
            Write(entry);
        }
        long directorySize = _position - directoryStart;
        long zip64EndStart = _position;

        Span<byte> tail = stackalloc byte[ZipLayout.Zip64EndSize + ZipLayout.Zip64LocatorSize + ZipLayout.EndSize];
        tail.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(tail, ZipLayout.Zip64EndSignature);
        BinaryPrimitives.WriteUInt64LittleEndian(tail[4..], 44);
        BinaryPrimitives.WriteUInt16LittleEndian(tail[12..], 0x031e);
        BinaryPrimitives.WriteUInt16LittleEndian(tail[14..], 0x002d);
        BinaryPrimitives.WriteUInt64LittleEndian(tail[24..], (ulong)_entries.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(tail[32..], (ulong)_entries.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(tail[40..], (ulong)directorySize);
        BinaryPrimitives.WriteUInt64LittleEndian(tail[48..], (ulong)directoryStart);
        var locator = tail[ZipLayout.Zip64EndSize..];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, ZipLayout.Zip64LocatorSignature);
        BinaryPrimitives.WriteUInt64LittleEndian(locator[8..], (ulong)zip64EndStart);
        BinaryPrimitives.WriteUInt32LittleEndian(locator[16..], 1);
        var end = tail[(ZipLayout.Zip64EndSize + ZipLayout.Zip64LocatorSize)..];
        BinaryPrimitives.WriteUInt32LittleEndian(end, ZipLayout.EndSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], (uint)directorySize);
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], (uint)directoryStart);
        Write(tail);
    }

    /// <summary>PyTorch's <c>getPadding</c>: the data starts after the 30-byte header, the name and the 4-byte extra header.</summary>
    private static int PaddingFor(long cursor, int nameLength)
    {
        long start = cursor + ZipLayout.LocalHeaderSize + nameLength + 4;
        long mod = start % Alignment;
        return mod == 0 ? 0 : (int)(Alignment - mod);
    }

    /// <summary>Writes <paramref name="data"/> and returns its CRC-32, computed as it goes out (<see cref="ChecksummedTransfer"/>).</summary>
    private uint WriteChecksummed(ReadOnlySpan<byte> data)
        // The transfer only reads the pieces it is given here: the span is made writable to share the reader's code.
        => ChecksummedTransfer.Run(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(data), data.Length), piece => Write(piece));

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        _position += bytes.Length;
    }

    /// <summary><c>c10::hash_combine</c> on 64-bit size_t.</summary>
    private static ulong HashCombine(ulong seed, ulong value) => seed ^ (value + 0x9e3779b9UL + (seed << 6) + (seed >> 2));

    private static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }
}
