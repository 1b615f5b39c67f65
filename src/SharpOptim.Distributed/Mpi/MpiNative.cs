using System.Runtime.InteropServices;

namespace SharpOptim.Distributed.Mpi;

/// <summary>
/// The few MPI C functions SharpOptim uses. Handles (communicator, datatype, op, request) are
/// passed as pointer-sized values: MPICH's are ints, Open MPI's are addresses, and
/// <see cref="MpiHandles"/> supplies the right values for the library that was loaded.
/// The library name is resolved by <see cref="MpiLibrary"/>.
/// </summary>
internal static unsafe partial class MpiNative
{
    internal const string Lib = "sharpoptim-mpi";

    [LibraryImport(Lib, EntryPoint = "MPI_Init_thread")]
    internal static partial int InitThread(int* argc, byte*** argv, int required, int* provided);

    [LibraryImport(Lib, EntryPoint = "MPI_Initialized")]
    internal static partial int Initialized(int* flag);

    [LibraryImport(Lib, EntryPoint = "MPI_Finalized")]
    internal static partial int Finalized(int* flag);

    [LibraryImport(Lib, EntryPoint = "MPI_Finalize")]
    internal static partial int FinalizeMpi();

    [LibraryImport(Lib, EntryPoint = "MPI_Abort")]
    internal static partial int Abort(nint comm, int errorCode);

    [LibraryImport(Lib, EntryPoint = "MPI_Comm_rank")]
    internal static partial int CommRank(nint comm, int* rank);

    [LibraryImport(Lib, EntryPoint = "MPI_Comm_size")]
    internal static partial int CommSize(nint comm, int* size);

    [LibraryImport(Lib, EntryPoint = "MPI_Barrier")]
    internal static partial int Barrier(nint comm);

    [LibraryImport(Lib, EntryPoint = "MPI_Allreduce")]
    internal static partial int Allreduce(void* sendBuf, void* recvBuf, int count, nint datatype, nint op, nint comm);

    [LibraryImport(Lib, EntryPoint = "MPI_Iallreduce")]
    internal static partial int Iallreduce(void* sendBuf, void* recvBuf, int count, nint datatype, nint op, nint comm, nint* request);

    [LibraryImport(Lib, EntryPoint = "MPI_Wait")]
    internal static partial int Wait(nint* request, void* status);

    [LibraryImport(Lib, EntryPoint = "MPI_Bcast")]
    internal static partial int Bcast(void* buffer, int count, nint datatype, int root, nint comm);

    [LibraryImport(Lib, EntryPoint = "MPI_Allgather")]
    internal static partial int Allgather(void* sendBuf, int sendCount, nint sendType, void* recvBuf, int recvCount, nint recvType, nint comm);

    [LibraryImport(Lib, EntryPoint = "MPI_Reduce_scatter_block")]
    internal static partial int ReduceScatterBlock(void* sendBuf, void* recvBuf, int recvCount, nint datatype, nint op, nint comm);

    [LibraryImport(Lib, EntryPoint = "MPI_Gather")]
    internal static partial int Gather(void* sendBuf, int sendCount, nint sendType, void* recvBuf, int recvCount, nint recvType, int root, nint comm);

    [LibraryImport(Lib, EntryPoint = "MPI_Gatherv")]
    internal static partial int Gatherv(void* sendBuf, int sendCount, nint sendType, void* recvBuf, int* recvCounts, int* displacements, nint recvType, int root, nint comm);

    [LibraryImport(Lib, EntryPoint = "MPI_Error_string")]
    internal static partial int ErrorString(int errorCode, byte* text, int* length);
}
