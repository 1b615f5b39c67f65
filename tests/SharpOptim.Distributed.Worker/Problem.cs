using SharpOptim.NN;

namespace SharpOptim.Distributed.Worker;

/// <summary>A small classification problem every rank can rebuild: the global batch and the model's initial weights come from seeds.</summary>
internal static class Problem
{
    public const int Features = 8, Hidden = 16, Classes = 4;

    public static Sequential Model(long seed)
    {
        Torch.ManualSeed(seed);
        return new Sequential(new Linear(Features, Hidden), new ReLU(), new Linear(Hidden, Hidden), new ReLU(), new Linear(Hidden, Classes));
    }

    /// <summary>Batch <paramref name="step"/> of the global stream: <paramref name="size"/> rows, inputs and labels.</summary>
    public static (Tensor X, Tensor Y) GlobalBatch(int step, int size)
    {
        var g = new Generator(1000 + step);
        var x = Torch.Randn([size, Features], generator: g);
        var y = Torch.Tensor(Torch.Rand([size], DType.Float64, g).ToArray<double>().Select(u => (long)(u * Classes)).ToArray());
        return (x, y);
    }

    /// <summary>This rank's contiguous share of a global batch (the split DistributedSampler makes without shuffling is interleaved; any split works).</summary>
    public static (Tensor X, Tensor Y) Shard((Tensor X, Tensor Y) batch, int rank, int worldSize)
    {
        int per = batch.X.Size(0) / worldSize;
        return (batch.X.Narrow(0, rank * per, per), batch.Y.Narrow(0, rank * per, per));
    }

    public static Tensor Loss(Module model, (Tensor X, Tensor Y) batch) => new CrossEntropyLoss().Forward(model.Call(batch.X), batch.Y);

    /// <summary>All parameters, flattened into one float32 array.</summary>
    public static float[] Flat(Module model) => model.Parameters().SelectMany(p => p.ToArray<float>()).ToArray();

    /// <summary>max |a − b| / max |b|: the error relative to the tensor's scale.</summary>
    public static double RelativeError(float[] a, float[] b)
    {
        double diff = 0, scale = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs((double)a[i] - b[i]));
            scale = Math.Max(scale, Math.Abs((double)b[i]));
        }
        return diff / scale;
    }

    /// <summary>Checks that every rank holds exactly rank 0's values (compared as bits).</summary>
    public static void CheckReplicasIdentical(float[] values, string what)
    {
        int size = Dist.GetWorldSize();
        var all = Torch.Zeros([size * values.Length], DType.Float32);
        Dist.AllGatherIntoTensor(all, Torch.Tensor(values));
        var s = all.AsSpan<float>();
        for (int r = 1; r < size; r++)
            for (int i = 0; i < values.Length; i++)
                if (BitConverter.SingleToInt32Bits(s[r * values.Length + i]) != BitConverter.SingleToInt32Bits(s[i]))
                    throw new InvalidOperationException($"{what}: rank {r}'s element {i} is {s[r * values.Length + i]:R}, rank 0's {s[i]:R}");
    }
}
