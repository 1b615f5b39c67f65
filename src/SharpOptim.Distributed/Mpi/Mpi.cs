using System.Text;

namespace SharpOptim.Distributed.Mpi;

/// <summary>
/// Checked calls into <see cref="MpiNative"/> over raw buffers, with the loaded implementation's
/// handles. Nothing here allocates per call: buffers are pinned by the caller (<c>fixed</c>, or
/// pinned arrays for non-blocking operations).
/// </summary>
internal static unsafe class Mpi
{
    private static MpiHandles? _handles;

    public static MpiHandles Handles => _handles ??= MpiHandles.Resolve();

    public static void Check(int rc, string function)
    {
        if (rc == 0) return;
        throw new MpiException(function, rc, ErrorText(rc));
    }

    public static string ErrorText(int code)
    {
        byte* text = stackalloc byte[1024];
        int length = 0;
        return MpiNative.ErrorString(code, text, &length) == 0 ? Encoding.ASCII.GetString(text, length) : "(no description)";
    }

    public static bool IsInitialized()
    {
        int flag = 0;
        Check(MpiNative.Initialized(&flag), "MPI_Initialized");
        return flag != 0;
    }

    public static bool IsFinalized()
    {
        int flag = 0;
        Check(MpiNative.Finalized(&flag), "MPI_Finalized");
        return flag != 0;
    }

    /// <summary>
    /// MPI_THREAD_SERIALIZED: calls come from whichever thread runs the training loop (and a
    /// backward pass's hooks), one at a time; never from the kernels' worker threads.
    /// </summary>
    public static void Init()
    {
        const int threadSerialized = 2;
        int provided = 0;
        Check(MpiNative.InitThread(null, null, threadSerialized, &provided), "MPI_Init_thread");
    }

    public static int Rank()
    {
        int rank = 0;
        Check(MpiNative.CommRank(Handles.CommWorld, &rank), "MPI_Comm_rank");
        return rank;
    }

    public static int Size()
    {
        int size = 0;
        Check(MpiNative.CommSize(Handles.CommWorld, &size), "MPI_Comm_size");
        return size;
    }

    public static nint DataType(DType dtype) => dtype switch
    {
        DType.Float32 => Handles.Float32,
        DType.Float64 => Handles.Float64,
        DType.Int64 => Handles.Int64,
        _ => throw new NotSupportedException($"MPI reductions of {dtype.ToString().ToLowerInvariant()} tensors are not supported"),
    };

    public static nint Op(ReduceOp op) => op switch
    {
        ReduceOp.Sum or ReduceOp.Avg => Handles.Sum,
        ReduceOp.Product => Handles.Product,
        ReduceOp.Min => Handles.Min,
        ReduceOp.Max => Handles.Max,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown ReduceOp"),
    };

    public static void AllReduceInPlace(void* buffer, int count, nint datatype, nint op)
        => Check(MpiNative.Allreduce((void*)Handles.InPlace, buffer, count, datatype, op, Handles.CommWorld), "MPI_Allreduce");

    /// <summary>Starts an in-place all-reduce; <paramref name="request"/> must stay where it is (and the buffer pinned) until <see cref="Wait"/>.</summary>
    public static void StartAllReduceInPlace(void* buffer, int count, nint datatype, nint op, nint* request)
        => Check(MpiNative.Iallreduce((void*)Handles.InPlace, buffer, count, datatype, op, Handles.CommWorld, request), "MPI_Iallreduce");

    public static void Wait(nint* request) => Check(MpiNative.Wait(request, (void*)Handles.StatusIgnore), "MPI_Wait");

    public static void Broadcast(void* buffer, int bytes, int root)
        => Check(MpiNative.Bcast(buffer, bytes, Handles.Byte, root, Handles.CommWorld), "MPI_Bcast");

    /// <summary>Each rank's block is already in its place in <paramref name="buffer"/> (MPI_IN_PLACE); on return every block is everywhere.</summary>
    public static void AllGatherInPlace(void* buffer, int bytesPerRank)
        => Check(MpiNative.Allgather((void*)Handles.InPlace, 0, Handles.Byte, buffer, bytesPerRank, Handles.Byte, Handles.CommWorld), "MPI_Allgather");

    public static void AllGather(void* send, void* receive, int bytesPerRank)
        => Check(MpiNative.Allgather(send, bytesPerRank, Handles.Byte, receive, bytesPerRank, Handles.Byte, Handles.CommWorld), "MPI_Allgather");

    public static void ReduceScatterBlock(void* send, void* receive, int countPerRank, nint datatype, nint op)
        => Check(MpiNative.ReduceScatterBlock(send, receive, countPerRank, datatype, op, Handles.CommWorld), "MPI_Reduce_scatter_block");

    public static void Gather(void* send, void* receive, int bytesPerRank, int root)
        => Check(MpiNative.Gather(send, bytesPerRank, Handles.Byte, receive, bytesPerRank, Handles.Byte, root, Handles.CommWorld), "MPI_Gather");

    public static void GatherV(void* send, int sendBytes, void* receive, int* counts, int* displacements, int root)
        => Check(MpiNative.Gatherv(send, sendBytes, Handles.Byte, receive, counts, displacements, Handles.Byte, root, Handles.CommWorld), "MPI_Gatherv");

    public static void Barrier() => Check(MpiNative.Barrier(Handles.CommWorld), "MPI_Barrier");

    // MPI_Abort returns only when it failed, and the caller is ending the process either way.
    public static void Abort(int code) => _ = MpiNative.Abort(Handles.CommWorld, code);

    public static void Shutdown() => Check(MpiNative.FinalizeMpi(), "MPI_Finalize");
}
