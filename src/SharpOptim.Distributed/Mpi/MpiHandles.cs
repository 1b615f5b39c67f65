namespace SharpOptim.Distributed.Mpi;

/// <summary>
/// The predefined MPI handles of the loaded implementation. They are macros in <c>mpi.h</c>, so
/// they differ between implementations: MPICH's ABI (also Intel MPI's) fixes them as integer
/// constants; Open MPI's are the addresses of exported objects, looked up here by name.
/// </summary>
internal sealed class MpiHandles
{
    public required string Implementation { get; init; }
    public required nint CommWorld { get; init; }
    public required nint Byte { get; init; }
    public required nint Int32 { get; init; }
    public required nint Int64 { get; init; }
    public required nint Float32 { get; init; }
    public required nint Float64 { get; init; }
    public required nint Sum { get; init; }
    public required nint Max { get; init; }
    public required nint Min { get; init; }
    public required nint Product { get; init; }
    public required nint InPlace { get; init; }
    public required nint StatusIgnore { get; init; }

    public static MpiHandles Resolve()
    {
        _ = MpiLibrary.Handle;
        return MpiLibrary.Export("ompi_mpi_comm_world") != 0 ? OpenMpi() : Mpich();
    }

    /// <summary>MPICH 3.x/4.x (mpi.h): handles are ints; MPI_IN_PLACE is (void*)-1, MPI_STATUS_IGNORE (MPI_Status*)1.</summary>
    private static MpiHandles Mpich() => new()
    {
        Implementation = "MPICH",
        CommWorld = 0x44000000,
        Byte = 0x4c00010d,
        Int32 = 0x4c000405,
        Int64 = 0x4c00083a,
        Float32 = 0x4c00040a,
        Float64 = 0x4c00080b,
        Max = 0x58000001,
        Min = 0x58000002,
        Sum = 0x58000003,
        Product = 0x58000004,
        InPlace = -1,
        StatusIgnore = 1,
    };

    /// <summary>Open MPI: handles are pointers to predefined objects; MPI_IN_PLACE is (void*)1, MPI_STATUS_IGNORE NULL.</summary>
    private static MpiHandles OpenMpi() => new()
    {
        Implementation = "Open MPI",
        CommWorld = Required("ompi_mpi_comm_world"),
        Byte = Required("ompi_mpi_byte"),
        Int32 = Required("ompi_mpi_int32_t"),
        Int64 = Required("ompi_mpi_int64_t"),
        Float32 = Required("ompi_mpi_float"),
        Float64 = Required("ompi_mpi_double"),
        Max = Required("ompi_mpi_op_max"),
        Min = Required("ompi_mpi_op_min"),
        Sum = Required("ompi_mpi_op_sum"),
        Product = Required("ompi_mpi_op_prod"),
        InPlace = 1,
        StatusIgnore = 0,
    };

    private static nint Required(string symbol)
    {
        nint address = MpiLibrary.Export(symbol);
        return address != 0 ? address : throw new EntryPointNotFoundException($"{MpiLibrary.LoadedName} looks like Open MPI but does not export {symbol}");
    }
}
