using System.Globalization;

namespace SharpOptim.Distributed.Worker;

/// <summary>Each collective against values every rank can compute alone.</summary>
internal static class CollectiveScenarios
{
    public static void Run()
    {
        int rank = Dist.GetRank(), size = Dist.GetWorldSize();
        Check.True(rank >= 0 && rank < size, "rank within the world");
        Check.Equal(Math.Max(1, Environment.ProcessorCount / size), Torch.GetNumThreads(), "kernel threads: the cores shared among the ranks on this machine");
        bool tuningOff = Environment.GetEnvironmentVariable("SHARPOPTIM_MALLOC_TUNING") == "0";
        Check.Equal(!tuningOff, MallocTuning.Applied, "glibc's thresholds raised unless SHARPOPTIM_MALLOC_TUNING=0");
        Check.Report("malloc_tuning", MallocTuning.Applied);
        Check.Equal(size, int.Parse(Environment.GetEnvironmentVariable("PMI_SIZE") ?? Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") ?? size.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), "world size equals the launcher's");

        var f = Torch.Tensor([rank + 1f, 2f * rank, -rank]);
        Dist.AllReduce_(f);
        float total = size * (size + 1) / 2f;
        Check.SequenceEqual<float>([total, 2f * (total - size), -(total - size)], f.AsSpan<float>(), "float32 sum");

        var d = Torch.Tensor([rank + 0.5, rank]);
        Dist.AllReduce_(d, ReduceOp.Max);
        Check.SequenceEqual<double>([size - 0.5, size - 1], d.AsSpan<double>(), "float64 max");

        var l = Torch.Tensor(new long[] { rank + 1, 10 - rank });
        Dist.AllReduce_(l, ReduceOp.Min);
        Check.SequenceEqual<long>([1, 10 - (size - 1)], l.AsSpan<long>(), "int64 min");

        var p = Torch.Tensor(new long[] { rank + 1 });
        Dist.AllReduce_(p, ReduceOp.Product);
        long factorial = 1;
        for (int i = 2; i <= size; i++) factorial *= i;
        Check.Equal(factorial, p.Item<long>(), "int64 product");

        var avg = Torch.Tensor([(float)rank]);
        Dist.AllReduce_(avg, ReduceOp.Avg);
        Check.Equal((size - 1) / 2f, avg.Item<float>(), "float32 avg");
        Check.Throws<ArgumentException>(() => Dist.AllReduce_(Torch.Tensor(new long[] { 1 }), ReduceOp.Avg), "floating-point", "avg of int64");

        int src = size - 1;
        var b = rank == src ? Torch.Tensor([7.0, 8.0, 9.0]) : Torch.Zeros([3], DType.Float64);
        Dist.Broadcast_(b, src);
        Check.SequenceEqual<double>([7, 8, 9], b.AsSpan<double>(), "broadcast from the last rank");
        var flags = Torch.Tensor(new[] { rank == 0, rank != 0 });
        Dist.Broadcast_(flags, 0);
        Check.SequenceEqual<bool>([true, false], flags.AsSpan<bool>(), "broadcast of bool");
        Check.Throws<ArgumentOutOfRangeException>(() => Dist.Broadcast_(b, size), "rank must be in", "broadcast from a rank outside the world");

        var gathered = Torch.Zeros([size, 2], DType.Float32);
        Dist.AllGatherIntoTensor(gathered, Torch.Tensor([rank, 10f * rank]));
        var ownSlice = gathered.Narrow(0, rank, 1);
        ownSlice.AsSpan<float>()[0] = rank + 100;
        Dist.AllGatherIntoTensor(gathered, ownSlice);   // in place: the own block is already there
        for (int r = 0; r < size; r++)
            Check.SequenceEqual<float>([r + 100, 10f * r], gathered.AsSpan<float>().Slice(2 * r, 2), $"all_gather_into_tensor block {r}");
        Check.Throws<ArgumentException>(() => Dist.AllGatherIntoTensor(Torch.Zeros([size + 1], DType.Float32), Torch.Zeros([1], DType.Float32)), "world_size times", "all-gather of a wrong output size");

        var outputs = Enumerable.Range(0, size).Select(_ => Torch.Zeros([2], DType.Int64)).ToList();
        Dist.AllGather(outputs, Torch.Tensor(new long[] { rank, -rank }));
        for (int r = 0; r < size; r++) Check.SequenceEqual<long>([r, -r], outputs[r].AsSpan<long>(), $"all_gather output {r}");

        var input = Torch.Arange(0, 2 * size, 1, DType.Float64);
        var block = Torch.Zeros([2], DType.Float64);
        Dist.ReduceScatter(block, input);
        Check.SequenceEqual<double>([2.0 * rank * size, (2.0 * rank + 1) * size], block.AsSpan<double>(), "reduce_scatter block");

        Dist.Barrier();
        CheckNoAllocation();
        Check.Report("collectives", "ok", allRanks: true);
    }

    /// <summary>The collectives are thin: after a warm-up, 20 calls of each allocate nothing on this thread.</summary>
    private static void CheckNoAllocation()
    {
        var t = Torch.Zeros([1000], DType.Float32);
        var g = Torch.Zeros([Dist.GetWorldSize() * 10], DType.Float32);
        var own = g.Narrow(0, Dist.GetRank() * 10, 10);
        var block = Torch.Zeros([10], DType.Float32);
        for (int pass = 0; pass < 2; pass++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
            {
                Dist.AllReduce_(t);
                Dist.AllReduce_(t, ReduceOp.Avg);
                Dist.Broadcast_(t, 0);
                Dist.AllGatherIntoTensor(g, own);
                Dist.ReduceScatter(block, g);
                Dist.Barrier();
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (pass == 1) Check.Equal(0L, allocated, "bytes allocated by 120 collective calls");
        }
    }
}
