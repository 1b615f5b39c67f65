using SharpOptim.Distributed.Mpi;

namespace SharpOptim.Distributed;

/// <summary>
/// <c>torch.distributed</c> over MPI: one process group, all ranks of the MPI launcher
/// (<c>mpiexec -n N</c>). Collectives work in place on dense contiguous tensors, with no copy and
/// no allocation per call; every rank must call them in the same order, as with any MPI program.
/// </summary>
public static unsafe class Dist
{
    private static int _rank = -1;
    private static int _worldSize = -1;

    /// <summary>True between <see cref="InitProcessGroup"/> and <see cref="DestroyProcessGroup"/>.</summary>
    public static bool IsInitialized => _rank >= 0;

    /// <summary>
    /// Joins the process group the MPI launcher started (rank and world size come from it), as
    /// <c>torch.distributed.init_process_group("mpi")</c>. Also: a rank that dies of an unhandled
    /// exception aborts every rank (see <see cref="FailureHandling"/>); the kernel threads are set
    /// to the cores divided by the ranks on this machine (ranks busy-poll while they wait); and,
    /// unless the environment sets them, glibc's mmap and trim thresholds are raised (see
    /// <see cref="MallocTuning"/>).
    /// </summary>
    /// <param name="backend">Only <c>"mpi"</c>.</param>
    /// <exception cref="InvalidOperationException">Not started by an MPI launcher, or already initialized.</exception>
    public static void InitProcessGroup(string backend = "mpi")
    {
        if (backend != "mpi")
            throw new ArgumentException($"Invalid backend: '{backend}'. SharpOptim.Distributed supports only 'mpi'", nameof(backend));
        if (IsInitialized)
            throw new InvalidOperationException("trying to initialize the default process group twice!");
        if (!Launcher.IsPresent())
            throw new InvalidOperationException(
                "Dist.InitProcessGroup() found no MPI launcher: start every rank with one, e.g. "
                + "'mpiexec -n 2 dotnet run -c Release --project examples/Train -- --distributed' "
                + "(install it with 'apt-get install mpich' on Debian/Ubuntu).");
        MallocTuning.Apply();
        _ = MpiLibrary.Handle;   // loads the library and routes the imports to it
        if (!Mpi.Mpi.IsInitialized()) Mpi.Mpi.Init();
        _rank = Mpi.Mpi.Rank();
        _worldSize = Mpi.Mpi.Size();
        FailureHandling.Install();
        Torch.SetNumThreads(Math.Max(1, Environment.ProcessorCount / Launcher.LocalRanks(_worldSize)));
    }

    /// <summary>Leaves the process group (MPI_Finalize); every rank must call it. Collectives afterwards throw.</summary>
    public static void DestroyProcessGroup()
    {
        RequireInit();
        _rank = -1;
        _worldSize = -1;
        if (!Mpi.Mpi.IsFinalized()) Mpi.Mpi.Shutdown();
    }

    /// <summary>This process's rank, 0 to <see cref="GetWorldSize"/> − 1.</summary>
    public static int GetRank()
    {
        RequireInit();
        return _rank;
    }

    /// <summary>The number of ranks.</summary>
    public static int GetWorldSize()
    {
        RequireInit();
        return _worldSize;
    }

    /// <summary>Waits until every rank has called it.</summary>
    public static void Barrier()
    {
        RequireInit();
        Mpi.Mpi.Barrier();
    }

    /// <summary>
    /// Replaces <paramref name="tensor"/> on every rank with the reduction of all ranks' tensors,
    /// in place. Float32, float64 and int64; <see cref="ReduceOp.Avg"/> for floating point only.
    /// </summary>
    public static void AllReduce_(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        RequireInit();
        CheckDense(tensor, nameof(tensor));
        if (op == ReduceOp.Avg && !tensor.IsFloatingPoint)
            throw new ArgumentException($"ReduceOp.Avg needs a floating-point tensor, got {tensor.DType.ToString().ToLowerInvariant()}", nameof(tensor));
        var datatype = Mpi.Mpi.DataType(tensor.DType);
        fixed (byte* p = tensor.AsBytes()) Mpi.Mpi.AllReduceInPlace(p, tensor.Numel, datatype, Mpi.Mpi.Op(op));
        if (op == ReduceOp.Avg) DivideInPlace(tensor, _worldSize);
        tensor.MarkModified();
    }

    /// <summary>Copies rank <paramref name="src"/>'s <paramref name="tensor"/> into every rank's, in place.</summary>
    public static void Broadcast_(Tensor tensor, int src = 0)
    {
        RequireInit();
        CheckDense(tensor, nameof(tensor));
        CheckRank(src, nameof(src));
        var bytes = tensor.AsBytes();
        fixed (byte* p = bytes) Mpi.Mpi.Broadcast(p, bytes.Length, src);
        tensor.MarkModified();
    }

    /// <summary>
    /// PyTorch's <c>all_gather_into_tensor</c>: <paramref name="output"/> (world size × the input's
    /// elements, same dtype) receives every rank's <paramref name="input"/>, rank 0's first. One MPI
    /// call; when <paramref name="input"/> is the rank's own slice of <paramref name="output"/>, in place.
    /// </summary>
    public static void AllGatherIntoTensor(Tensor output, Tensor input)
    {
        RequireInit();
        CheckDense(output, nameof(output));
        CheckDense(input, nameof(input));
        if (output.DType != input.DType)
            throw new ArgumentException($"output tensor must have the same type as input tensor ({output.DType} vs {input.DType})", nameof(output));
        if (output.Numel != input.Numel * (long)_worldSize)
            throw new ArgumentException($"output tensor size must be equal to world_size times input tensor size ({output.Numel} vs {_worldSize} x {input.Numel})", nameof(output));
        var inBytes = input.AsBytes();
        var outBytes = output.AsBytes();
        fixed (byte* o = outBytes)
        fixed (byte* i = inBytes)
        {
            if (i == o + (long)_rank * inBytes.Length) Mpi.Mpi.AllGatherInPlace(o, inBytes.Length);
            else Mpi.Mpi.AllGather(i, o, inBytes.Length);
        }
        output.MarkModified();
    }

    /// <summary>
    /// PyTorch's <c>all_gather</c>: <paramref name="outputs"/>[r] receives rank r's <paramref name="input"/>
    /// (one broadcast per rank, since the outputs are separate tensors; <see cref="AllGatherIntoTensor"/>
    /// is one call).
    /// </summary>
    public static void AllGather(IReadOnlyList<Tensor> outputs, Tensor input)
    {
        RequireInit();
        ArgumentNullException.ThrowIfNull(outputs);
        CheckDense(input, nameof(input));
        if (outputs.Count != _worldSize)
            throw new ArgumentException($"all_gather needs one output tensor per rank ({_worldSize}), got {outputs.Count}", nameof(outputs));
        for (int r = 0; r < outputs.Count; r++)
        {
            CheckDense(outputs[r], $"{nameof(outputs)}[{r}]");
            if (outputs[r].DType != input.DType || !outputs[r].Shape.SequenceEqual(input.Shape))
                throw new ArgumentException($"outputs[{r}] must have the input's dtype and shape", nameof(outputs));
        }
        input.AsBytes().CopyTo(MutableBytes(outputs[_rank]));
        for (int r = 0; r < outputs.Count; r++) Broadcast_(outputs[r], r);
    }

    /// <summary>
    /// PyTorch's <c>reduce_scatter_tensor</c>: <paramref name="input"/> (world size × the output's
    /// elements) is reduced over ranks and rank r keeps block r in <paramref name="output"/>.
    /// </summary>
    public static void ReduceScatter(Tensor output, Tensor input, ReduceOp op = ReduceOp.Sum)
    {
        RequireInit();
        CheckDense(output, nameof(output));
        CheckDense(input, nameof(input));
        if (output.DType != input.DType)
            throw new ArgumentException($"output tensor must have the same type as input tensor ({output.DType} vs {input.DType})", nameof(output));
        if (input.Numel != output.Numel * (long)_worldSize)
            throw new ArgumentException($"input tensor must be the same size as output size times world size ({input.Numel} vs {_worldSize} x {output.Numel})", nameof(input));
        if (op == ReduceOp.Avg && !output.IsFloatingPoint)
            throw new ArgumentException("ReduceOp.Avg needs a floating-point tensor", nameof(output));
        var datatype = Mpi.Mpi.DataType(output.DType);
        fixed (byte* i = input.AsBytes())
        fixed (byte* o = output.AsBytes())
            Mpi.Mpi.ReduceScatterBlock(i, o, output.Numel, datatype, Mpi.Mpi.Op(op));
        if (op == ReduceOp.Avg) DivideInPlace(output, _worldSize);
        output.MarkModified();
    }

    internal static void RequireInit()
    {
        if (!IsInitialized)
            throw new InvalidOperationException("Default process group has not been initialized, please make sure to call Dist.InitProcessGroup().");
    }

    private static void CheckRank(int rank, string name)
    {
        if (rank < 0 || rank >= _worldSize)
            throw new ArgumentOutOfRangeException(name, rank, $"rank must be in [0, {_worldSize})");
    }

    private static void CheckDense(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor, name);
        if (tensor.IsSparse) throw new NotSupportedException($"{name}: sparse tensors are not supported by the MPI collectives");
    }

    internal static Span<byte> MutableBytes(Tensor tensor)
    {
        var bytes = tensor.AsBytes();
        return System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(bytes), bytes.Length);
    }

    private static void DivideInPlace(Tensor tensor, int divisor)
    {
        if (tensor.DType == DType.Float32)
        {
            var s = tensor.AsSpan<float>();
            for (int i = 0; i < s.Length; i++) s[i] /= divisor;
        }
        else
        {
            var s = tensor.AsSpan<double>();
            for (int i = 0; i < s.Length; i++) s[i] /= divisor;
        }
    }
}
