using System.Diagnostics;
using System.Globalization;
using SharpOptim.Distributed;
using SharpOptim.NN;
using SharpOptim.Optim;

namespace SharpOptim.DistBench;

/// <summary>What one rank times under mpiexec; rank 0 prints one <c>ROW</c> line per figure for the orchestrator.</summary>
internal static class RankMeasurements
{
    public static void Run(int maxMib, bool full)
    {
        Collectives(maxMib);
        if (!full) return;
        ZeroStep();
        DdpOverhead();
    }

    private static void Row(string kind, string key, double value)
    {
        if (Dist.GetRank() == 0) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ROW {kind} {key} {value:R}"));
    }

    /// <summary>Median milliseconds of <paramref name="action"/>, after two untimed calls; every rank runs the same number of calls (rank 0 decides).</summary>
    private static double MedianMs(Action action)
    {
        action();
        action();
        var probe = Stopwatch.StartNew();
        action();
        var reps = Torch.Tensor(new long[] { Math.Clamp((long)(0.4 / Math.Max(probe.Elapsed.TotalSeconds, 1e-6)), 5, 200) });
        Dist.Broadcast_(reps, 0);
        var times = new double[reps.Item<long>()];
        for (int i = 0; i < times.Length; i++)
        {
            Dist.Barrier();
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }

    /// <summary>
    /// Median milliseconds of <paramref name="a"/> and of <paramref name="b"/>, timed alternately
    /// (a, b, a, b, ...) so that a change in the machine's load during the run hits both alike.
    /// </summary>
    private static (double A, double B) MedianPair(Action a, Action b, int reps = 40)
    {
        for (int i = 0; i < 3; i++) { a(); b(); }
        var ta = new double[reps];
        var tb = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            Dist.Barrier();
            var clock = Stopwatch.StartNew();
            a();
            ta[i] = clock.Elapsed.TotalMilliseconds;
            Dist.Barrier();
            clock.Restart();
            b();
            tb[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(ta);
        Array.Sort(tb);
        return (ta[reps / 2], tb[reps / 2]);
    }

    private static void Collectives(int maxMib)
    {
        int size = Dist.GetWorldSize();
        for (long bytes = 4 << 10; bytes <= (long)maxMib << 20; bytes *= 4)
        {
            int elements = (int)(bytes / 4);
            var t = Torch.Zeros([elements], DType.Float32);
            Row("allreduce", bytes.ToString(CultureInfo.InvariantCulture), MedianMs(() => Dist.AllReduce_(t)));
            int block = elements / size;
            var gathered = Torch.Zeros([block * size], DType.Float32);
            var own = gathered.Narrow(0, Dist.GetRank() * block, block);
            Row("allgather", bytes.ToString(CultureInfo.InvariantCulture), MedianMs(() => Dist.AllGatherIntoTensor(gathered, own)));
        }
    }

    /// <summary>Adam over 16 tensors of 512K float32 (8M parameters): one unsharded step against one ZeRO step (local step + all-gather).</summary>
    private static void ZeroStep()
    {
        Torch.ManualSeed(0);
        var a = Enumerable.Range(0, 16).Select(_ => (Tensor)new Parameter(Torch.Randn(512, 1024))).ToList();
        var b = a.Select(p => (Tensor)new Parameter(p.Clone())).ToList();
        foreach (var p in a.Concat(b)) p.Grad = Torch.Randn(p.Shape).Mul(1e-2);
        var unsharded = new Adam(a, lr: 1e-3);
        var zero = new ZeroRedundancyOptimizer(b, ps => new Adam(ps, lr: 1e-3));
        var (unshardedMs, zeroMs) = MedianPair(() => unsharded.Step(), () => zero.Step());
        Row("zero", "unsharded_ms", unshardedMs);
        Row("zero", "zero_ms", zeroMs);
        Row("zero", "unsharded_state_mib", ZeroRedundancyOptimizer.StateBytes(unsharded) / 1048576.0);
        Row("zero", "zero_state_mib", zero.LocalStateBytes / 1048576.0);
        Row("zero", "parameters", a.Sum(p => (long)p.Numel));
    }

    /// <summary>Forward + backward of an MLP 784-1024-1024-10 on 32 rows, alone and wrapped in DDP (which adds the gradient all-reduce).</summary>
    private static void DdpOverhead()
    {
        Torch.ManualSeed(0);
        Sequential Mlp() => new(new Linear(784, 1024), new ReLU(), new Linear(1024, 1024), new ReLU(), new Linear(1024, 10));
        var plain = Mlp();
        using var ddp = new DistributedDataParallel(Mlp());
        var x = Torch.Randn(32, 784);
        var y = Torch.Zeros([32], DType.Int64);
        var loss = new CrossEntropyLoss();
        void Pass(Module m)
        {
            m.ZeroGrad();
            loss.Forward(m.Call(x), y).Backward();
        }
        var (alone, wrapped) = MedianPair(() => Pass(plain), () => Pass(ddp));
        Row("ddp", "plain_ms", alone);
        Row("ddp", "ddp_ms", wrapped);
        Row("ddp", "parameters", plain.Parameters().Sum(p => (long)p.Numel));
        Row("ddp", "buckets", ddp.Buckets.Count);
    }
}
