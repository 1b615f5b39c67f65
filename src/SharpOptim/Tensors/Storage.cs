namespace SharpOptim;

/// <summary>
/// The flat array behind one or more tensors. Views (reshape, dim-0 slices) share a storage and
/// differ only in offset and shape, so an in-place op through any of them is seen by all.
/// </summary>
internal sealed class Storage
{
    public Storage(Array data, DType dtype)
    {
        Data = data;
        DType = dtype;
    }

    public Array Data { get; }

    public DType DType { get; }

    public int Length => Data.Length;

    /// <summary>
    /// Bumped by every in-place write through a tensor op (with or without grad mode), so that
    /// autograd can tell when a value saved for backward was overwritten (PyTorch's version counter).
    /// </summary>
    public int Version { get; set; }

    public static Storage Allocate(DType dtype, int length) => new(DTypeInfo.Allocate(dtype, length), dtype);

    /// <summary>
    /// As <see cref="Allocate"/> but the floating-point elements are not cleared first (the runtime
    /// may skip zeroing a large array): only for results that a kernel then writes in full.
    /// </summary>
    public static Storage AllocateUninitialized(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new(GC.AllocateUninitializedArray<float>(length), dtype),
        DType.Float64 => new(GC.AllocateUninitializedArray<double>(length), dtype),
        _ => Allocate(dtype, length),
    };
}
