using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SharpOptim.Serialization;

/// <summary>
/// The element types of PyTorch storages a checkpoint may hold, and how each loads into one of
/// SharpOptim's <see cref="DType"/>s. float16 and bfloat16 widen to float32, and the narrower
/// integers to int64, exactly (every value is representable); saving writes the widened type.
/// </summary>
internal sealed record StorageElement(string TorchDType, string StorageClass, int Size, DType LoadsAs)
{
    public static readonly StorageElement Float32 = new("float32", "FloatStorage", 4, DType.Float32);
    public static readonly StorageElement Float64 = new("float64", "DoubleStorage", 8, DType.Float64);
    public static readonly StorageElement Float16 = new("float16", "HalfStorage", 2, DType.Float32);
    public static readonly StorageElement BFloat16 = new("bfloat16", "BFloat16Storage", 2, DType.Float32);
    public static readonly StorageElement Int64 = new("int64", "LongStorage", 8, DType.Int64);
    public static readonly StorageElement Int32 = new("int32", "IntStorage", 4, DType.Int64);
    public static readonly StorageElement Int16 = new("int16", "ShortStorage", 2, DType.Int64);
    public static readonly StorageElement Int8 = new("int8", "CharStorage", 1, DType.Int64);
    public static readonly StorageElement UInt8 = new("uint8", "ByteStorage", 1, DType.Int64);
    public static readonly StorageElement Bool = new("bool", "BoolStorage", 1, DType.Bool);

    public static readonly IReadOnlyList<StorageElement> All = [Float32, Float64, Float16, BFloat16, Int64, Int32, Int16, Int8, UInt8, Bool];

    /// <summary>Storage classes PyTorch may write that SharpOptim recognises but cannot load, with their dtype.</summary>
    public static readonly IReadOnlyDictionary<string, string> Unsupported = new Dictionary<string, string>
    {
        ["ComplexFloatStorage"] = "complex64",
        ["ComplexDoubleStorage"] = "complex128",
        ["QInt8Storage"] = "qint8",
        ["QUInt8Storage"] = "quint8",
        ["QInt32Storage"] = "qint32",
        ["QUInt4x2Storage"] = "quint4x2",
        ["QUInt2x4Storage"] = "quint2x4",
    };

    public static StorageElement? ByStorageClass(string name) => All.FirstOrDefault(e => e.StorageClass == name);

    public static StorageElement? ByDTypeName(string name) => All.FirstOrDefault(e => e.TorchDType == name);

    /// <summary>The element type SharpOptim writes for a tensor of <paramref name="dtype"/>.</summary>
    public static StorageElement For(DType dtype) => dtype switch
    {
        DType.Float32 => Float32,
        DType.Float64 => Float64,
        DType.Int64 => Int64,
        DType.Bool => Bool,
        _ => throw new NotSupportedException($"no storage type for dtype {dtype.TorchName()}"),
    };

    /// <summary>
    /// Decodes <paramref name="bytes"/> (<paramref name="count"/> elements of this type, in the
    /// file's byte order) into a new array of <see cref="LoadsAs"/>.
    /// </summary>
    public Array Decode(ReadOnlySpan<byte> bytes, int count, bool littleEndian)
    {
        var result = DTypeInfo.Allocate(LoadsAs, count);
        switch (TorchDType)
        {
            case "float32": { var r = (float[])result; for (int i = 0; i < count; i++) r[i] = BitConverter.Int32BitsToSingle(ReadInt32(bytes[(i * 4)..], littleEndian)); break; }
            case "float64": { var r = (double[])result; for (int i = 0; i < count; i++) r[i] = BitConverter.Int64BitsToDouble(ReadInt64(bytes[(i * 8)..], littleEndian)); break; }
            case "float16": { var r = (float[])result; for (int i = 0; i < count; i++) r[i] = (float)BitConverter.Int16BitsToHalf(ReadInt16(bytes[(i * 2)..], littleEndian)); break; }
            case "bfloat16": { var r = (float[])result; for (int i = 0; i < count; i++) r[i] = BitConverter.Int32BitsToSingle(ReadInt16(bytes[(i * 2)..], littleEndian) << 16); break; }
            case "int64": { var r = (long[])result; for (int i = 0; i < count; i++) r[i] = ReadInt64(bytes[(i * 8)..], littleEndian); break; }
            case "int32": { var r = (long[])result; for (int i = 0; i < count; i++) r[i] = ReadInt32(bytes[(i * 4)..], littleEndian); break; }
            case "int16": { var r = (long[])result; for (int i = 0; i < count; i++) r[i] = ReadInt16(bytes[(i * 2)..], littleEndian); break; }
            case "int8": { var r = (long[])result; for (int i = 0; i < count; i++) r[i] = (sbyte)bytes[i]; break; }
            case "uint8": { var r = (long[])result; for (int i = 0; i < count; i++) r[i] = bytes[i]; break; }
            case "bool": { var r = (bool[])result; for (int i = 0; i < count; i++) r[i] = bytes[i] != 0; break; }
            default: throw new InvalidOperationException($"no decoder for {TorchDType}");
        }
        return result;
    }

    /// <summary>True when the file's bytes are the array's own (same width, native byte order), so a record can be read straight into it.</summary>
    public bool IsNativeLayout(bool littleEndian) => littleEndian == BitConverter.IsLittleEndian && TorchDType is "float32" or "float64" or "int64";

    /// <summary>The raw bytes of a float, double or long array (for reading a record straight into it).</summary>
    public static Span<byte> BytesOf(Array array) => array switch
    {
        float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
        double[] d => MemoryMarshal.AsBytes(d.AsSpan()),
        long[] l => MemoryMarshal.AsBytes(l.AsSpan()),
        bool[] b => MemoryMarshal.AsBytes(b.AsSpan()),
        _ => throw new InvalidOperationException("not a natively laid out array"),
    };

    private static short ReadInt16(ReadOnlySpan<byte> e, bool littleEndian)
        => littleEndian ? BinaryPrimitives.ReadInt16LittleEndian(e) : BinaryPrimitives.ReadInt16BigEndian(e);

    private static int ReadInt32(ReadOnlySpan<byte> e, bool littleEndian)
        => littleEndian ? BinaryPrimitives.ReadInt32LittleEndian(e) : BinaryPrimitives.ReadInt32BigEndian(e);

    private static long ReadInt64(ReadOnlySpan<byte> e, bool littleEndian)
        => littleEndian ? BinaryPrimitives.ReadInt64LittleEndian(e) : BinaryPrimitives.ReadInt64BigEndian(e);
}
