using System.Runtime.InteropServices;

namespace SharpOptim;

/// <summary>
/// The flat array behind one or more tensors. Views (reshape, dim-0 slices) share a storage and
/// differ only in offset and shape, so an in-place op through any of them is seen by all.
/// The storage's elements are <see cref="Data"/>[<see cref="Start"/> ..]: a large floating-point
/// storage begins on a 64-byte boundary (<see cref="AlignedBytes"/>).
/// </summary>
internal sealed class Storage
{
    /// <summary>
    /// Storages of floating-point elements at least this large (those the runtime would put on its
    /// large-object heap anyway) start on a 64-byte boundary, a cache line and a 512-bit vector, as
    /// PyTorch's CPU allocator aligns them. A kernel's 64-byte loads and stores of an unaligned array
    /// each touch two cache lines: an Adam step over 1M float32 elements at 512 bits took 1.4–1.5×
    /// the time of the same step over aligned arrays (docs/benchmarks.md).
    /// </summary>
    public const int AlignedBytes = 85_000;

    private const int Alignment = 64;

    public Storage(Array data, DType dtype) : this(data, dtype, 0, data.Length) { }

    private Storage(Array data, DType dtype, int start, int length)
    {
        Data = data;
        DType = dtype;
        Start = start;
        Length = length;
    }

    /// <summary>The array the elements live in; they begin at <see cref="Start"/>.</summary>
    public Array Data { get; }

    public DType DType { get; }

    /// <summary>Index in <see cref="Data"/> of the storage's element 0 (padding before it aligns it).</summary>
    public int Start { get; }

    /// <summary>Elements in the storage (the array may hold padding before and after them).</summary>
    public int Length { get; }

    /// <summary>
    /// Bumped by every in-place write through a tensor op (with or without grad mode), so that
    /// autograd can tell when a value saved for backward was overwritten (PyTorch's version counter).
    /// </summary>
    public int Version { get; set; }

    /// <summary>The storage's elements as bytes (checkpoints read and write them so).</summary>
    public Span<byte> Bytes()
    {
        int size = DType.ElementSize();
        return Serialization.StorageElement.BytesOf(Data).Slice(Start * size, Length * size);
    }

    /// <summary>A storage of <paramref name="length"/> zeros.</summary>
    public static Storage Allocate(DType dtype, int length) => dtype switch
    {
        DType.Float32 => Aligned<float>(length, zeroed: true),
        DType.Float64 => Aligned<double>(length, zeroed: true),
        _ => new(DTypeInfo.Allocate(dtype, length), dtype),
    };

    /// <summary>
    /// As <see cref="Allocate"/> but the floating-point elements are not cleared first (the runtime
    /// may skip zeroing a large array): only for results that a kernel then writes in full.
    /// </summary>
    public static Storage AllocateUninitialized(DType dtype, int length) => dtype switch
    {
        DType.Float32 => Aligned<float>(length, zeroed: false),
        DType.Float64 => Aligned<double>(length, zeroed: false),
        _ => Allocate(dtype, length),
    };

    private static Storage Aligned<T>(int length, bool zeroed) where T : unmanaged
    {
        var dtype = DTypeInfo.Of<T>();
        int size = dtype.ElementSize();
        if ((long)length * size < AlignedBytes)
            return new(zeroed ? new T[length] : GC.AllocateUninitializedArray<T>(length), dtype);
        // Pinned, so that the array never moves and the start stays aligned; large arrays are not
        // compacted by default either, so pinning changes nothing else about them.
        int pad = Alignment / size;
        var array = zeroed ? GC.AllocateArray<T>(length + pad, pinned: true) : GC.AllocateUninitializedArray<T>(length + pad, pinned: true);
        return new(array, dtype, AlignedStart(array, size), length);
    }

    /// <summary>The first index of <paramref name="array"/> whose address is a multiple of 64 bytes.</summary>
    private static int AlignedStart(Array array, int size)
    {
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            long address = handle.AddrOfPinnedObject();
            return (int)((Alignment - address % Alignment) % Alignment / size);
        }
        finally
        {
            handle.Free();
        }
    }
}
