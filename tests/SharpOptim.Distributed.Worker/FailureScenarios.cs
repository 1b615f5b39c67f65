using SharpOptim.NN;

namespace SharpOptim.Distributed.Worker;

/// <summary>What happens when ranks disagree or one of them fails.</summary>
internal static class FailureScenarios
{
    /// <summary>Rank 1 wraps a model with another hidden size: every rank gets the same clear error at construction.</summary>
    public static void ShapeMismatch()
    {
        int rank = Dist.GetRank();
        Torch.ManualSeed(0);
        var model = new Sequential(new Linear(4, rank == 1 ? 6 : 5), new ReLU(), new Linear(rank == 1 ? 6 : 5, 2));
        try
        {
            using var ddp = new DistributedDataParallel(model);
        }
        catch (InvalidOperationException e)
        {
            Check.Report("shape_mismatch", e.Message, allRanks: true);
            return;
        }
        throw new InvalidOperationException("DistributedDataParallel accepted replicas of different shapes");
    }

    /// <summary>Rank 1 throws while rank 0 waits in an all-reduce: the launcher must end both, non-zero, with rank 1's message.</summary>
    public static void RankThrows()
    {
        if (Dist.GetRank() == 1) throw new InvalidOperationException("deliberate failure on rank 1");
        Dist.AllReduce_(Torch.Zeros([4], DType.Float32));
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>A parameter without a gradient leaves its bucket unreduced: the next forward says so on every rank.</summary>
    public static void UnusedParameter()
    {
        Torch.ManualSeed(0);
        var used = new Linear(4, 4);
        var unused = new Linear(4, 4);
        var model = new Sequential(used, unused);
        using var ddp = new DistributedDataParallel(model, bucketCapMb: 1e-6);
        used.Call(Torch.Ones(3, 4)).Sum().Backward();   // bypasses 'unused', whose bucket never fills
        try
        {
            ddp.Call(Torch.Ones(3, 4));
        }
        catch (InvalidOperationException e)
        {
            Check.Report("unused_parameter", e.Message, allRanks: true);
            return;
        }
        throw new InvalidOperationException("DistributedDataParallel did not notice an unreduced gradient");
    }
}
