using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using SharpOptim.Serialization;
using Xunit;

namespace SharpOptim.Tests.Serialization;

/// <summary>
/// Hand-crafted hostile files: each is refused with <see cref="CheckpointFormatException"/> (and
/// a message saying why) before it can run anything, allocate without bound, recurse without
/// bound or take long.
/// </summary>
public class MaliciousCheckpointTests
{
    private static CheckpointFormatException Refused(byte[] file, string expected)
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<CheckpointFormatException>(() => CraftedCheckpoint.Load(file));
        Assert.Contains(expected, e.Message);
        Assert.Null(e.InnerException);   // met an explicit check, not the safety net
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        return e;
    }

    private static CheckpointFormatException Refused(PickleBuilder pickle, string expected, params (string, byte[])[] records)
        => Refused(CraftedCheckpoint.Archive(pickle, records), expected);

    // ---------------------------------------------------------------- globals and calls

    [Theory]
    [InlineData("os", "system", "GLOBAL os.system is not allowed (module os is never allowed)")]
    [InlineData("posix", "system", "GLOBAL posix.system is not allowed (module posix is never allowed)")]
    [InlineData("subprocess", "Popen", "GLOBAL subprocess.Popen is not allowed")]
    [InlineData("__builtin__", "eval", "GLOBAL builtins.eval is not allowed")]
    [InlineData("builtins", "getattr", "GLOBAL builtins.getattr is not allowed")]
    [InlineData("torch", "load", "GLOBAL torch.load is not allowed")]
    [InlineData("torch.storage", "_load_from_bytes", "GLOBAL torch.storage._load_from_bytes is not allowed")]
    public void AGlobalOutsideTheAllowlistIsRefusedWhenNamed(string module, string name, string message)
        => Refused(new PickleBuilder().Global(module, name).Op('(').Str("true").Op('t').Op('R'), message);

    [Fact]
    public void StackGlobalIsCheckedTheSameWay()
        => Refused(new PickleBuilder(4).Str("os").Str("system").Op(0x93).Op('(').Str("true").Op('t').Op('R'), "GLOBAL os.system is not allowed");

    [Fact]
    public void ReduceOfAnAllowlistedValueThatIsNotAFunctionIsRefused()
        => Refused(new PickleBuilder().Global("torch", "float32").Op(')').Op('R'), "torch.float32 cannot be called");

    [Fact]
    public void ReduceOfSomethingOtherThanAGlobalIsRefused()
        => Refused(new PickleBuilder().Str("os.system").Op(')').Op('R'), "REDUCE can only call an allowlisted global, not string");

    [Theory]
    [InlineData('i', "INST/OBJ")]
    [InlineData('o', "INST/OBJ")]
    [InlineData((char)0x82, "EXT opcode")]
    [InlineData('P', "PERSID")]
    [InlineData((char)0x97, "out-of-band buffer")]
    [InlineData('S', "protocol 0 text string")]
    [InlineData((char)0xff, "unknown opcode 0xff")]
    public void OpcodesThatInstantiateByNameOrAreUnknownAreRefused(char opcode, string message)
        => Refused(new PickleBuilder().Op('(').Op(opcode).Text("os\nsystem\n"), message);

    [Fact]
    public void NewObjOfATypeOtherThanParameterOrDictIsRefused()
        => Refused(new PickleBuilder().Global("torch", "Tensor").Op(')').Op(0x81), "NEWOBJ can only create torch.nn.Parameter or a dict, not torch.Tensor");

    [Fact]
    public void BuildOnAListIsRefused()
        => Refused(new PickleBuilder().Op(']').Op('}').Op('b'), "BUILD can set attributes only on an OrderedDict or a Parameter");

    [Fact]
    public void AProtocolNewerThanFiveIsRefused() => Refused(new PickleBuilder(6).Op('N'), "pickle protocol 6");

    [Theory]
    [InlineData("_rebuild_sparse_tensor", "a sparse tensor")]
    [InlineData("_rebuild_qtensor", "a quantized tensor")]
    [InlineData("_rebuild_nested_tensor", "a nested tensor")]
    public void TensorKindsSharpOptimCannotHoldAreNamed(string rebuild, string what)
        => Refused(new PickleBuilder().Global("torch._utils", rebuild), $"holds {what}");

    [Fact]
    public void AnUnsupportedElementTypeIsNamed()
        => Refused(new PickleBuilder().Storage("0", 1, "ComplexFloatStorage"), "complex64");

    // ---------------------------------------------------------------- sizes

    [Theory]
    [InlineData('X', 4, 0xFFFFFFF0u)]        // BINUNICODE
    [InlineData('B', 4, 0xFFFFFFF0u)]        // BINBYTES
    [InlineData('T', 4, 0x7FFFFFF0u)]        // BINSTRING
    [InlineData((char)0x8b, 4, 0x7FFFFFF0u)] // LONG4
    public void AHugeLengthIsCheckedAgainstTheBytesLeftBeforeAllocating(char opcode, int width, uint length)
    {
        var pickle = new PickleBuilder().Op(opcode).UInt32(length).Text("abc");
        Assert.Equal(4, width);
        Refused(pickle, "ends in the middle of an opcode");
    }

    [Theory]
    [InlineData(0x8d)]   // BINUNICODE8
    [InlineData(0x8e)]   // BINBYTES8
    [InlineData(0x96)]   // BYTEARRAY8
    public void AHuge64BitLengthIsRefused(byte opcode)
        => Refused(new PickleBuilder(4).Op(opcode).UInt64(ulong.MaxValue - 3).Text("abc"), "ends in the middle of an opcode");

    [Fact]
    public void AFrameLongerThanTheDataIsRefused()
        => Refused(new PickleBuilder(4).Op(0x95).UInt64(1UL << 40).Op('N'), "ends in the middle of an opcode");

    [Fact]
    public void ALongIntegerBeyond64BitsIsRefused()
        => Refused(new PickleBuilder().Op(0x8a, 9).Op(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 1 }), "does not fit in 64 bits");

    [Fact]
    public void AStorageWhoseSizeDisagreesWithItsRecordIsRefused()
        => Refused(new PickleBuilder().Tensor("0", 1L << 40, 0, [1], [1]), "should hold 1099511627776 elements of 4 bytes, but its record has 8 bytes",
                   ("data/0", new byte[8]));

    [Fact]
    public void AStorageWithoutARecordIsRefused()
        => Refused(new PickleBuilder().Tensor("0", 2, 0, [2], [1]), "has no record data/0");

    [Fact]
    public void ATensorReachingPastItsStorageIsRefused()
        => Refused(new PickleBuilder().Tensor("0", 2, 0, [1 << 30], [1]), "reaches element 1073741823 of a storage of 2 elements", ("data/0", new byte[8]));

    [Fact]
    public void ANegativeStrideIsRefused()
        => Refused(new PickleBuilder().Tensor("0", 2, 1, [2], [-1]), "not an integer in [0,", ("data/0", new byte[8]));

    [Fact]
    public void SizesWhoseProductOverflowsAreRefused()
        => Refused(new PickleBuilder().Tensor("0", 2, 0, [1 << 20, 1 << 20, 1 << 20, 1 << 20], [0, 0, 0, 0]), "overflow", ("data/0", new byte[8]));

    [Fact]
    public void ExpandedViewsCannotMultiplyMemory()
    {
        // Each tensor views one element 2^24 times (stride 0): a copy of 64 MiB per 60 bytes of pickle.
        var pickle = new PickleBuilder().Op(']').Op('(');
        for (int i = 0; i < 200; i++) pickle.Tensor("0", 1, 0, [1 << 24], [0]);
        Refused(pickle.Op('e'), "far more memory than its storages hold", ("data/0", new byte[4]));
    }

    // ---------------------------------------------------------------- nesting, memo, cycles

    [Fact]
    public void DeeplyNestedListsAreRefused()
    {
        var pickle = new PickleBuilder().Repeat(100_000, p => p.Op(']')).Repeat(99_999, p => p.Op('a'));
        Refused(pickle, "nested more than 256 deep");
    }

    [Fact]
    public void DeeplyNestedTuplesAreRefusedAsTheyAreBuilt()
        => Refused(new PickleBuilder().Op('N').Repeat(100_000, p => p.Op(0x85)), "tuples are nested more than 256 deep");

    [Fact]
    public void DeeplyNestedMarksAreRefused() => Refused(new PickleBuilder().Repeat(100_000, p => p.Op('(')), "MARKs are nested more than 256");

    [Fact]
    public void ABillionLaughsOfSharedListsIsRefused()
    {
        // L0 = [1]*8, L(k+1) = [Lk]*8: 30 levels stand for 8^30 values in a few hundred bytes.
        var pickle = new PickleBuilder().Op(']').Op('(').Repeat(8, p => p.Op('K', 1)).Op('e').Op('q', 0);
        for (int k = 1; k <= 30; k++) pickle.Op(']').Op('(').Repeat(8, p => p.Op('h', (byte)(k - 1))).Op('e').Op('q', (byte)k);
        Refused(pickle, "shared references expand to more than");
    }

    [Fact]
    public void AListContainingItselfIsRefused()
        => Refused(new PickleBuilder().Op(']').Op('q', 0).Op('h', 0).Op('a'), "a container contains itself");

    [Fact]
    public void AHugeMemoIndexCostsNothing()
    {
        var file = CraftedCheckpoint.Archive(new PickleBuilder().Op(']').Op('r').UInt32(uint.MaxValue).Op('0').Op('j').UInt32(uint.MaxValue));
        Assert.IsType<List<object?>>(CraftedCheckpoint.Load(file));
    }

    [Fact]
    public void ReadingAMemoEntryNeverWrittenIsRefused() => Refused(new PickleBuilder().Op('h', 7), "memo entry 7 is read before it is written");

    [Theory]
    [InlineData('a', "pops from an empty stack")]
    [InlineData('u', "needs a MARK that was never set")]
    [InlineData('.', "pops from an empty stack")]
    [InlineData('0', "needs a MARK that was never set")]
    public void StackUnderflowIsRefused(char opcode, string message) => Refused(new PickleBuilder().Op(opcode), message);

    [Fact]
    public void ItemsBelowAMarkAreOutOfReach() => Refused(new PickleBuilder().Op(']').Op('(').Op('N').Op('a'), "reads from an empty stack");

    [Fact]
    public void APickleWithoutStopIsRefused() => Refused(CraftedCheckpoint.Archive(new PickleBuilder().Op('N').Bytes), "ends in the middle of an opcode");

    [Fact]
    public void UnhashableAndOversizedKeysAreRefused()
    {
        Refused(new PickleBuilder().Op('}').Op(']').Op('N').Op('s'), "a list is used as a dictionary key");
        Refused(new PickleBuilder().Op('}').Op('N').Op('N').Op('s'), "None is used as a dictionary key");
        var bigKey = new PickleBuilder().Op('}').Op('(').Repeat(2000, p => p.Op('K', 1)).Op('t').Op('N').Op('s');
        Refused(bigKey, "a tuple with 2001 elements is used as a key");
    }

    [Fact]
    public void ManyIntegerKeysWithCollidingHashCodesLoadQuickly()
    {
        // long.GetHashCode folds the two halves together, so k·(2^32 + 1) all hash to 0.
        var pickle = new PickleBuilder().Op('}').Op('(');
        for (long k = 1; k <= 100_000; k++)
            pickle.Op(0x8a, 8).Op(BitConverter.GetBytes(k * ((1L << 32) + 1))).Op('N');
        var clock = Stopwatch.StartNew();
        var loaded = Assert.IsType<OrderedDictionary<object, object?>>(CraftedCheckpoint.Load(CraftedCheckpoint.Archive(pickle.Op('u'))));
        Assert.Equal(100_000, loaded.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    // ---------------------------------------------------------------- the zip container

    private static byte[] Valid() => CraftedCheckpoint.Archive(new PickleBuilder().Tensor("0", 2, 0, [2], [1]), ("data/0", new byte[8]));

    [Fact]
    public void AFileThatIsNotAZipIsRefused()
    {
        Refused([], "too short");
        Refused(Encoding.ASCII.GetBytes("this is not a checkpoint, it is a text file of some length"), "not a zip archive");
    }

    [Fact]
    public void ACorruptedRecordFailsItsCrc()
    {
        var file = Valid();
        int data = IndexOf(file, "archive/data/0"u8) + "archive/data/0"u8.Length;
        data += BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(data - "archive/data/0"u8.Length - 2)) ;
        file[data + 3] ^= 0x40;
        Refused(file, "fails its CRC-32 check");
    }

    [Fact]
    public void TruncationAnywhereIsRefused()
    {
        var file = Valid();
        foreach (int length in new[] { 1, 30, file.Length / 2, file.Length - 23, file.Length - 1 })
            Refused(file[..length], "Not a valid PyTorch checkpoint");
    }

    [Fact]
    public void ACentralDirectoryClaimingMoreRecordsThanItHoldsIsRefused()
    {
        var file = Valid();
        int end = LastIndexOf(file, [0x50, 0x4b, 0x06, 0x06]);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(end + 32), 1UL << 40);
        Refused(file, "claims 1099511627776 records");
    }

    [Fact]
    public void ADirectoryOutsideTheFileIsRefused()
    {
        var file = Valid();
        int end = LastIndexOf(file, [0x50, 0x4b, 0x06, 0x06]);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(end + 48), 1UL << 50);
        Refused(file, "central directory lies outside the file");
    }

    [Fact]
    public void OverlappingRecordsAreRefused()
    {
        // Point data/0's directory entry at data.pkl's local header: two names, one set of bytes.
        var file = Valid();
        int entry = CentralEntry(file, "archive/data/0");
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(entry + 42), 0);
        Refused(file, "has a different name in its local header");
        // Or claim data.pkl runs on over the next record.
        file = Valid();
        entry = CentralEntry(file, "archive/data.pkl");
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(entry + 24));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(entry + 20), size + 200);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(entry + 24), size + 200);
        Refused(file, "records 'archive/data.pkl' and 'archive/byteorder' overlap");
    }

    [Fact]
    public void CompressedOrEncryptedRecordsAreRefused()
    {
        var file = Valid();
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(CentralEntry(file, "archive/data/0") + 10), 8);
        Refused(file, "is compressed (zip method 8)");
        file = Valid();
        file[CentralEntry(file, "archive/data/0") + 8] |= 1;
        Refused(file, "is encrypted");
    }

    [Fact]
    public void TwoRecordsWithOneNameAreRefused()
    {
        var file = CraftedCheckpoint.Archive(new PickleBuilder().Op('N'), ("data/0", new byte[4]), ("data/0", new byte[4]));
        Refused(file, "two records named 'archive/data/0'");
    }

    [Fact]
    public void TheRequiredRecordsMustBeThereAndSane()
    {
        var none = new PickleBuilder().Op('N').Stop().Bytes;
        Refused(CraftedCheckpoint.Rebuild([("byteorder", "little"u8.ToArray())]), "no archive/data.pkl record");
        Refused(PlainZip(("archive/data.pkl", none)), "has no archive/version record");
        Refused(PlainZip(("archive/data.pkl", none), ("archive/version", "11\n"u8.ToArray())), "file format version 11");
        Refused(PlainZip(("archive/data.pkl", none), ("archive/version", "three"u8.ToArray())), "Couldn't parse the version three");
        Refused(CraftedCheckpoint.Rebuild([("data.pkl", none), ("byteorder", "middle"u8.ToArray())]), "Unknown endianness type: middle");
        Refused(PlainZip(("data.pkl", none)), "not in a subdirectory");
    }

    /// <summary>A zip made by the BCL (stored records, no PyTorch layout): the reader takes any stored zip.</summary>
    private static byte[] PlainZip(params (string Name, byte[] Data)[] records)
    {
        using var output = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(output, System.IO.Compression.ZipArchiveMode.Create, true))
            foreach (var (name, data) in records)
                using (var s = zip.CreateEntry(name, System.IO.Compression.CompressionLevel.NoCompression).Open())
                    s.Write(data);
        return output.ToArray();
    }

    private static int CentralEntry(byte[] file, string name)
    {
        var signature = new byte[] { 0x50, 0x4b, 0x01, 0x02 };
        for (int at = IndexOf(file, signature); at >= 0; at = IndexOf(file, signature, at + 1))
            if (file.AsSpan(at + 46).StartsWith(Encoding.ASCII.GetBytes(name)) && file[at + 46 + name.Length] != (byte)'/') return at;
        throw new InvalidOperationException($"no central entry {name}");
    }

    private static int IndexOf(byte[] data, ReadOnlySpan<byte> what, int from = 0)
    {
        int i = data.AsSpan(from).IndexOf(what);
        return i < 0 ? -1 : from + i;
    }

    private static int LastIndexOf(byte[] data, ReadOnlySpan<byte> what) => data.AsSpan().LastIndexOf(what);
}
