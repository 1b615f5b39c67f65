using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpOptim.Distributed;

/// <summary>
/// A run of same-dtype gradients packed in one flat buffer (PyTorch's Reducer bucket), reduced
/// by one non-blocking all-reduce. The buffer lives on the pinned heap, so MPI may read and
/// write it while the backward pass goes on.
/// </summary>
internal sealed unsafe class GradBucket
{
    private readonly byte[] _buffer;
    private readonly int[] _offsets;   // byte offset of each parameter's gradient
    private int _pending;

    public GradBucket(DType dtype, List<Tensor> parameters)
    {
        DType = dtype;
        Parameters = parameters;
        _offsets = new int[parameters.Count];
        int bytes = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            _offsets[i] = bytes;
            bytes += parameters[i].Numel * ElementSize;
        }
        _buffer = GC.AllocateArray<byte>(Math.Max(bytes, 1), pinned: true);
        Bytes = bytes;
        _pending = parameters.Count;
    }

    public DType DType { get; }

    public List<Tensor> Parameters { get; }

    public int Bytes { get; }

    private int ElementSize => DType == DType.Float32 ? sizeof(float) : sizeof(double);

    private int Count => Bytes / ElementSize;

    /// <summary>True once every parameter's gradient of this iteration is in the buffer.</summary>
    public bool Ready => _pending == 0;

    /// <summary>True when gradients of an iteration that has not been reduced yet have arrived.</summary>
    public bool HasGradients => _pending != Parameters.Count;

    /// <summary>
    /// Copies parameter <paramref name="index"/>'s gradient into the buffer, scaled by
    /// <paramref name="scale"/> on the way (1/world size: PyTorch's Reducer multiplies while it
    /// copies, then sums). Returns true when the bucket just became full.
    /// </summary>
    public bool Add(int index, Tensor grad, double scale)
    {
        if (grad.IsSparse)
            throw new NotSupportedException("DistributedDataParallel over MPI does not support sparse gradients (Embedding(sparse: true))");
        var bytes = _buffer.AsSpan(_offsets[index], grad.Numel * ElementSize);
        if (DType == DType.Float32)
        {
            var source = grad.AsSpan<float>();
            var target = MemoryMarshal.Cast<byte, float>(bytes);
            float s = (float)scale;
            for (int i = 0; i < source.Length; i++) target[i] = source[i] * s;
        }
        else
        {
            var source = grad.AsSpan<double>();
            var target = MemoryMarshal.Cast<byte, double>(bytes);
            for (int i = 0; i < source.Length; i++) target[i] = source[i] * scale;
        }
        return --_pending == 0;
    }

    /// <summary>Starts the in-place sum over ranks; <paramref name="request"/> must stay put until <see cref="Finish"/>.</summary>
    public void Launch(nint* request)
    {
        var datatype = Mpi.Mpi.DataType(DType);
        Mpi.Mpi.StartAllReduceInPlace(Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer)), Count, datatype, Mpi.Mpi.Handles.Sum, request);
    }

    /// <summary>Waits for the sum and writes it into each parameter's gradient; the bucket is empty again.</summary>
    public void Finish(nint* request)
    {
        Mpi.Mpi.Wait(request);
        for (int i = 0; i < Parameters.Count; i++)
        {
            var grad = Parameters[i].Grad!;
            _buffer.AsSpan(_offsets[i], grad.Numel * ElementSize).CopyTo(Dist.MutableBytes(grad));
            grad.MarkModified();
        }
        _pending = Parameters.Count;
    }

    /// <summary>Forgets this iteration's gradients (after an error).</summary>
    public void Reset() => _pending = Parameters.Count;
}
