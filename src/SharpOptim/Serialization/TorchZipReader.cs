using System.Buffers.Binary;
using System.Text;

namespace SharpOptim.Serialization;

/// <summary>
/// Reads the records of a PyTorch zip checkpoint from a seekable stream, trusting nothing:
/// every offset and size is checked against the stream's length before anything is allocated,
/// records may not overlap (so the records together never exceed the file), only stored
/// (uncompressed, unencrypted) records are accepted, and every record's CRC-32 is verified.
/// Records are looked up under the archive folder named by the first entry, as PyTorch does.
/// </summary>
internal sealed class TorchZipReader
{
    private readonly Stream _stream;
    private readonly long _length;
    private readonly Dictionary<string, Entry> _entries;
    private readonly string _prefix;

    private readonly record struct Entry(string Name, long HeaderOffset, long DataOffset, long Size, uint Crc);

    private TorchZipReader(Stream stream, long length, Dictionary<string, Entry> entries, string prefix)
    {
        _stream = stream;
        _length = length;
        _entries = entries;
        _prefix = prefix;
    }

    /// <summary>The archive folder every record sits in (the saved file's name without extension).</summary>
    public string ArchiveName => _prefix[..^1];

    public static TorchZipReader Open(Stream stream)
    {
        long length = stream.Length;
        if (length < ZipLayout.LocalHeaderSize + ZipLayout.EndSize)
            throw Bad($"the file is {length} bytes long, too short for a zip checkpoint");
        Span<byte> magic = stackalloc byte[4];
        ReadAt(stream, length, 0, magic);
        if (BinaryPrimitives.ReadUInt32LittleEndian(magic) != ZipLayout.LocalHeaderSignature)
            throw Bad("the file is not a zip archive; SharpOptim reads the zip checkpoints torch.save writes since PyTorch 1.6, not the legacy pickle format");

        var (count, directoryOffset, directorySize, directoryLimit) = ReadEnd(stream, length);
        if (directoryOffset < 0 || directorySize < 0 || directoryOffset + directorySize > directoryLimit)
            throw Bad("the central directory lies outside the file");
        if (count == 0) throw Bad("the archive contains no records");
        if (directorySize > int.MaxValue) throw Bad($"the central directory is {directorySize} bytes long");
        if (count > directorySize / ZipLayout.CentralHeaderSize)
            throw Bad($"the central directory claims {count} records but is only {directorySize} bytes long");

        var directory = new byte[directorySize];
        ReadAt(stream, length, directoryOffset, directory);
        var entries = ParseDirectory(directory, (int)count, stream, length, directoryOffset);

        string first = entries[0].Name;
        int slash = first.IndexOf('/');
        if (slash <= 0) throw Bad($"file in archive is not in a subdirectory: {first}");
        string prefix = first[..(slash + 1)];
        var byName = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var e in entries)
            if (!byName.TryAdd(e.Name, e)) throw Bad($"the archive holds two records named '{e.Name}'");
        return new TorchZipReader(stream, length, byName, prefix);
    }

    public bool Has(string name) => _entries.ContainsKey(_prefix + name);

    /// <summary>The size in bytes of record <paramref name="name"/> (which must exist).</summary>
    public long SizeOf(string name) => Get(name).Size;

    /// <summary>The whole record, CRC verified.</summary>
    public byte[] Read(string name)
    {
        var e = Get(name);
        if (e.Size > Array.MaxLength) throw Bad($"record '{name}' is {e.Size} bytes, more than one array can hold");
        var data = new byte[e.Size];
        ReadInto(name, data);
        return data;
    }

    /// <summary>Reads record <paramref name="name"/> into <paramref name="destination"/>, which must be exactly its size, and verifies its CRC.</summary>
    public void ReadInto(string name, Span<byte> destination)
    {
        var e = Get(name);
        if (destination.Length != e.Size) throw Bad($"record '{name}' is {e.Size} bytes, expected {destination.Length}");
        SeekFor(_stream, _length, e.DataOffset, destination.Length);
        var stream = _stream;
        uint crc = ChecksummedTransfer.Run(destination, piece => ReadExactly(stream, piece));
        if (crc != e.Crc) throw Bad($"record '{name}' fails its CRC-32 check (stored {e.Crc:x8}, computed {crc:x8}): the file is corrupted");
    }

    private Entry Get(string name)
        => _entries.TryGetValue(_prefix + name, out var e) ? e : throw Bad($"the archive has no record '{ArchiveName}/{name}'");

    private static (long Count, long Offset, long Size, long Limit) ReadEnd(Stream stream, long length)
    {
        int tailLength = (int)Math.Min(length, ZipLayout.EndSize + ushort.MaxValue);
        var tail = new byte[tailLength];
        ReadAt(stream, length, length - tailLength, tail);
        int at = -1;
        for (int i = tailLength - ZipLayout.EndSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) != ZipLayout.EndSignature) continue;
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 20));
            if (i + ZipLayout.EndSize + commentLength == tailLength) { at = i; break; }
        }
        if (at < 0) throw Bad("no end-of-central-directory record: the file is truncated or not a zip archive");
        long endOffset = length - tailLength + at;
        var end = tail.AsSpan(at);
        if (BinaryPrimitives.ReadUInt16LittleEndian(end[4..]) != 0 || BinaryPrimitives.ReadUInt16LittleEndian(end[6..]) != 0)
            throw Bad("multi-disk zip archives are not supported");
        long count = BinaryPrimitives.ReadUInt16LittleEndian(end[10..]);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(end[12..]);
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(end[16..]);
        long limit = endOffset;

        long locatorOffset = endOffset - ZipLayout.Zip64LocatorSize;
        if (locatorOffset >= 0)
        {
            Span<byte> locator = stackalloc byte[ZipLayout.Zip64LocatorSize];
            ReadAt(stream, length, locatorOffset, locator);
            if (BinaryPrimitives.ReadUInt32LittleEndian(locator) == ZipLayout.Zip64LocatorSignature)
            {
                ulong zip64End = BinaryPrimitives.ReadUInt64LittleEndian(locator[8..]);
                if (zip64End > (ulong)(locatorOffset - ZipLayout.Zip64EndSize))
                    throw Bad("the zip64 end record lies outside the file");
                Span<byte> record = stackalloc byte[ZipLayout.Zip64EndSize];
                ReadAt(stream, length, (long)zip64End, record);
                if (BinaryPrimitives.ReadUInt32LittleEndian(record) != ZipLayout.Zip64EndSignature)
                    throw Bad("the zip64 end record is missing or damaged");
                count = ToLong(BinaryPrimitives.ReadUInt64LittleEndian(record[32..]), "record count");
                size = ToLong(BinaryPrimitives.ReadUInt64LittleEndian(record[40..]), "directory size");
                offset = ToLong(BinaryPrimitives.ReadUInt64LittleEndian(record[48..]), "directory offset");
                limit = (long)zip64End;
            }
        }
        return (count, offset, size, limit);
    }

    private static List<Entry> ParseDirectory(byte[] directory, int count, Stream stream, long length, long directoryOffset)
    {
        var entries = new List<Entry>(count);
        int pos = 0;
        Span<byte> local = stackalloc byte[ZipLayout.LocalHeaderSize];
        for (int i = 0; i < count; i++)
        {
            if (directory.Length - pos < ZipLayout.CentralHeaderSize) throw Bad("the central directory is truncated");
            var h = directory.AsSpan(pos);
            if (BinaryPrimitives.ReadUInt32LittleEndian(h) != ZipLayout.CentralHeaderSignature)
                throw Bad($"central directory entry {i} is damaged (bad signature)");
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
            ushort method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(h[16..]);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
            long headerOffset = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);
            int entryLength = ZipLayout.CentralHeaderSize + nameLength + extraLength + commentLength;
            if (directory.Length - pos < entryLength) throw Bad("the central directory is truncated");
            var nameBytes = h.Slice(ZipLayout.CentralHeaderSize, nameLength);
            string name = DecodeName(nameBytes, flags);
            ReadZip64Extra(h.Slice(ZipLayout.CentralHeaderSize + nameLength, extraLength), ref size, ref compressed, ref headerOffset, name);

            if ((flags & 0x0001) != 0) throw Bad($"record '{name}' is encrypted");
            if (method != 0)
                throw Bad($"record '{name}' is compressed (zip method {method}); PyTorch checkpoints store records uncompressed, and SharpOptim reads only those");
            if (compressed != size) throw Bad($"record '{name}' is stored but its compressed and uncompressed sizes differ");

            // The local header gives the data's start (PyTorch reads its name and extra lengths too).
            if (headerOffset > directoryOffset - ZipLayout.LocalHeaderSize) throw Bad($"record '{name}' starts outside the file");
            ReadAt(stream, length, headerOffset, local);
            if (BinaryPrimitives.ReadUInt32LittleEndian(local) != ZipLayout.LocalHeaderSignature)
                throw Bad($"record '{name}' has a damaged local header");
            int localName = BinaryPrimitives.ReadUInt16LittleEndian(local[26..]);
            int localExtra = BinaryPrimitives.ReadUInt16LittleEndian(local[28..]);
            long dataOffset = headerOffset + ZipLayout.LocalHeaderSize + localName + localExtra;
            if (localName != nameLength) throw Bad($"record '{name}' has a different name in its local header");
            if (dataOffset > directoryOffset || size > directoryOffset - dataOffset)
                throw Bad($"record '{name}' ({size} bytes) extends past the end of the data area");
            var localNameBytes = new byte[localName];
            ReadAt(stream, length, headerOffset + ZipLayout.LocalHeaderSize, localNameBytes);
            if (!nameBytes.SequenceEqual(localNameBytes)) throw Bad($"record '{name}' has a different name in its local header");

            entries.Add(new Entry(name, headerOffset, dataOffset, size, crc));
            pos += entryLength;
        }
        CheckNoOverlap(entries);
        return entries;
    }

    /// <summary>Two records sharing bytes would let a small file claim many large records.</summary>
    private static void CheckNoOverlap(List<Entry> entries)
    {
        var sorted = entries.OrderBy(e => e.HeaderOffset).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].HeaderOffset < sorted[i - 1].DataOffset + sorted[i - 1].Size)
                throw Bad($"records '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap");
    }

    private static void ReadZip64Extra(ReadOnlySpan<byte> extra, ref long size, ref long compressed, ref long headerOffset, string name)
    {
        while (extra.Length >= 4)
        {
            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int fieldLength = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (fieldLength > extra.Length - 4) throw Bad($"record '{name}' has a damaged extra field");
            var field = extra.Slice(4, fieldLength);
            if (id == 0x0001)
            {
                if (size == uint.MaxValue) size = TakeUInt64(ref field, name);
                if (compressed == uint.MaxValue) compressed = TakeUInt64(ref field, name);
                if (headerOffset == uint.MaxValue) headerOffset = TakeUInt64(ref field, name);
            }
            extra = extra[(4 + fieldLength)..];
        }
    }

    private static long TakeUInt64(ref ReadOnlySpan<byte> field, string name)
    {
        if (field.Length < 8) throw Bad($"record '{name}' has a damaged zip64 field");
        long value = ToLong(BinaryPrimitives.ReadUInt64LittleEndian(field), $"size of record '{name}'");
        field = field[8..];
        return value;
    }

    private static string DecodeName(ReadOnlySpan<byte> bytes, ushort flags)
    {
        if ((flags & 0x0800) == 0) return Encoding.Latin1.GetString(bytes);
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { throw Bad("a record name is not valid UTF-8"); }
    }

    private static long ToLong(ulong value, string what)
        => value <= long.MaxValue ? (long)value : throw Bad($"the {what} in the zip64 end record is out of range");

    private static void ReadAt(Stream stream, long length, long offset, Span<byte> destination)
    {
        SeekFor(stream, length, offset, destination.Length);
        ReadExactly(stream, destination);
    }

    /// <summary>Positions the stream to read <paramref name="count"/> bytes at <paramref name="offset"/>, which must lie within the file.</summary>
    private static void SeekFor(Stream stream, long length, long offset, long count)
    {
        if (offset < 0 || offset > length - count) throw Bad("a read runs past the end of the file: it is truncated or damaged");
        stream.Position = offset;
    }

    private static void ReadExactly(Stream stream, Span<byte> destination)
    {
        try { stream.ReadExactly(destination); }
        catch (EndOfStreamException) { throw Bad("the file ended early: it is truncated"); }
    }

    private static CheckpointFormatException Bad(string message) => new($"Not a valid PyTorch checkpoint: {message}.");
}
