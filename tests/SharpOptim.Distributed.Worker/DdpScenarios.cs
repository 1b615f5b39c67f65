using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;

namespace SharpOptim.Distributed.Worker;

/// <summary>DDP against one process training on the whole global batch.</summary>
internal static class DdpScenarios
{
    private const int GlobalBatch = 32, Steps = 12;

    public static void Run()
    {
        int rank = Dist.GetRank(), size = Dist.GetWorldSize();
        foreach (var (name, make) in Optimizers())
            foreach (double capMb in new[] { 25.0, 1e-6 })
            {
                // Each rank starts from its own weights: DDP must replace them with rank 0's.
                var ddp = new DistributedDataParallel(Problem.Model(seed: 7 + rank), bucketCapMb: capMb);
                var reference = Problem.Model(seed: 7);
                Check.True(Problem.Flat(ddp).AsSpan().SequenceEqual(Problem.Flat(reference)), "parameters broadcast from rank 0 at construction");
                var (opt, sched) = make(ddp.Parameters());
                var (refOpt, refSched) = make(reference.Parameters());
                double worst = 0;
                int earlyLaunches = 0;
                for (int step = 0; step < Steps; step++)
                {
                    var batch = Problem.GlobalBatch(step, GlobalBatch);
                    opt.ZeroGrad();
                    Problem.Loss(ddp, Problem.Shard(batch, rank, size)).Backward();
                    earlyLaunches = Math.Max(earlyLaunches, ddp.LastEarlyLaunches);
                    opt.Step();
                    sched?.Step();
                    refOpt.ZeroGrad();
                    Problem.Loss(reference, batch).Backward();
                    refOpt.Step();
                    refSched?.Step();
                    worst = Math.Max(worst, Problem.RelativeError(Problem.Flat(ddp), Problem.Flat(reference)));
                    Problem.CheckReplicasIdentical(Problem.Flat(ddp), $"{name} step {step}");
                }
                Check.True(worst <= 1e-6, $"{name} (bucket cap {capMb} MiB): DDP differs from single-process training by {worst:E2} relative");
                if (capMb < 1)
                {
                    Check.True(ddp.Buckets.Count == ddp.Parameters().Count(), $"tiny bucket cap gives one bucket per parameter, got {ddp.Buckets.Count}");
                    Check.True(earlyLaunches > 0, "some buckets were launched during the backward pass, before the last gradient was ready");
                }
                else Check.Equal(1, ddp.Buckets.Count, "default bucket cap gives one bucket for this model");
                Check.Report($"ddp_vs_single_{name}_{(capMb < 1 ? "tiny" : "default")}_buckets", $"{worst:E2} buckets={ddp.Buckets.Count} early_launches={earlyLaunches}");
                ddp.Dispose();
            }
        NoSyncAccumulates();
        Check.Report("ddp", "ok", allRanks: true);
    }

    private static IEnumerable<(string, Func<ParameterSequence<Parameter>, (Optimizer, LRScheduler?)>)> Optimizers()
    {
        yield return ("sgd_momentum_steplr", ps =>
        {
            var o = new SGD(ps, lr: 0.1, momentum: 0.9);
            return (o, new StepLR(o, stepSize: 4, gamma: 0.5));
        });
        yield return ("adam", ps => (new Adam(ps, lr: 1e-2), null));
    }

    /// <summary>Two micro-batches, the first under NoSync: the same step as one process on both global micro-batches.</summary>
    private static void NoSyncAccumulates()
    {
        int rank = Dist.GetRank(), size = Dist.GetWorldSize();
        using var ddp = new DistributedDataParallel(Problem.Model(seed: 3), bucketCapMb: 1e-6);
        var reference = Problem.Model(seed: 3);
        var opt = new SGD(ddp.Parameters(), lr: 0.1);
        var refOpt = new SGD(reference.Parameters(), lr: 0.1);
        double worst = 0;
        for (int step = 0; step < 4; step++)
        {
            var first = Problem.GlobalBatch(2 * step, GlobalBatch);
            var second = Problem.GlobalBatch(2 * step + 1, GlobalBatch);
            opt.ZeroGrad();
            using (ddp.NoSync())
            {
                Check.True(!ddp.RequireBackwardGradSync, "NoSync turns the gradient sync off");
                Problem.Loss(ddp, Problem.Shard(first, rank, size)).Backward();
            }
            var local = Problem.Flat(ddp);   // parameters, unchanged; gradients are local so far
            var localGrad = ddp.Parameters().First().Grad!.ToArray<float>();
            Problem.Loss(ddp, Problem.Shard(second, rank, size)).Backward();
            Check.True(!localGrad.AsSpan().SequenceEqual(ddp.Parameters().First().Grad!.ToArray<float>()), "the backward after NoSync reduces");
            opt.Step();
            refOpt.ZeroGrad();
            Problem.Loss(reference, first).Backward();
            Problem.Loss(reference, second).Backward();
            refOpt.Step();
            worst = Math.Max(worst, Problem.RelativeError(Problem.Flat(ddp), Problem.Flat(reference)));
            Problem.CheckReplicasIdentical(Problem.Flat(ddp), $"no_sync step {step}");
            _ = local;
        }
        Check.True(worst <= 1e-6, $"NoSync accumulation differs from single-process training by {worst:E2} relative");
        Check.Report("ddp_no_sync", $"{worst:E2}");
    }
}
