using System.Diagnostics;
using SharpOptim.Distributed;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;

namespace SharpOptim.Examples.Train;

/// <summary>
/// The same MLP and recipe as <see cref="Trainer"/>, data-parallel over MPI ranks
/// (<c>mpiexec -n N ... --distributed [--zero]</c>): the model is wrapped in
/// DistributedDataParallel, each rank reads its share of every epoch through a
/// DistributedSampler (seed + epoch shuffling) in batches of batch-size / N, so a step sees the
/// global batch; with <c>--zero</c> the optimizer is a ZeroRedundancyOptimizer. The reported
/// losses are averaged over ranks (which also keeps full-batch closures' decisions the same on
/// every rank). SWA, EMA, checkpoints and --compare are single-process features.
/// </summary>
public sealed class DistributedTrainer(TrainOptions options, bool zero, Split train, Split test)
{
    public TrainingResult Run(ITrainingProgress progress)
    {
        int worldSize = Dist.GetWorldSize();
        Torch.ManualSeed(options.Seed);
        var model = new Sequential(new Linear(DigitsData.Features, 128), new ReLU(), new Linear(128, DigitsData.Classes));
        using var ddp = new DistributedDataParallel(model);
        var entry = OptimizerCatalog.Get(options.Optimizer);
        double lr = options.BaseLr;
        var parameters = ddp.Parameters().Cast<Tensor>().ToList();
        OptimizerSet optimizers = zero
            ? new ZeroRedundancyOptimizer(parameters, items => entry.Create(Tensors(items), lr).Main)
            : entry.Create(parameters, lr);
        var optimizer = optimizers.Main;
        var criterion = new CrossEntropyLoss();

        var sampler = new DistributedSampler(train.Count, shuffle: true, seed: options.Seed);
        int localBatch = Math.Max(1, options.BatchSize / worldSize);
        int batches = entry.FullBatchClosure ? 1 : (sampler.NumSamples + localBatch - 1) / localBatch;
        var schedule = SchedulerCatalog.Get(options.Scheduler);
        var scheduler = schedule.Create(optimizer, new RunLength(options.Epochs, batches));

        var history = new List<EpochResult>(options.Epochs);
        var clock = Stopwatch.StartNew();
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            double epochLr = optimizer.ParamGroups[0].Lr;
            ddp.Train();
            ScheduleFreeModes.Train(optimizers);
            sampler.SetEpoch(epoch);
            var mine = sampler.Select(i => (long)i).ToArray();
            double lossSum = 0;
            var correct = Torch.Zeros([1], DType.Int64);
            for (int b = 0; b < batches; b++)
            {
                int start = entry.FullBatchClosure ? 0 : b * localBatch;
                int size = entry.FullBatchClosure ? mine.Length : Math.Min(localBatch, mine.Length - start);
                var index = Torch.Tensor(mine.AsSpan(start, size).ToArray());
                var x = train.X.IndexSelect(0, index);
                var y = train.Y.IndexSelect(0, index);
                Tensor? firstLogits = null;
                var loss = optimizer.Step(() =>
                {
                    foreach (var o in optimizers.All) o.ZeroGrad();
                    var logits = ddp.Forward(x);
                    firstLogits ??= logits;
                    var l = criterion.Forward(logits, y);
                    l.Backward();
                    return MeanOverRanks(l);
                })!;
                foreach (var other in optimizers.Others) other.Step();
                if (schedule.PerStep) scheduler?.Step();
                lossSum += loss.Item() * size;
                correct.AsSpan<long>()[0] += Trainer.CountCorrect(firstLogits!, y.ToArray<long>());
                progress.OnBatch(epoch, b, batches);
            }
            Dist.AllReduce_(correct);
            double trainLoss = lossSum / mine.Length;
            if (scheduler is ReduceLROnPlateau plateau) plateau.Step(trainLoss);
            else if (!schedule.PerStep) scheduler?.Step();
            ScheduleFreeModes.Eval(optimizers);   // evaluate at a schedule-free optimizer's x
            double testAcc = Trainer.Accuracy(model, test);
            history.Add(new EpochResult(epoch + 1, options.Epochs, epochLr, trainLoss, (double)correct.Item<long>() / sampler.TotalSize, testAcc, clock.Elapsed));
            progress.OnEpoch(history[^1]);
        }
        clock.Stop();
        return new TrainingResult(history[^1].TestAcc, clock.Elapsed, history);
    }

    /// <summary>Which options cannot be combined with --distributed, as a message; null when all can.</summary>
    public static string? Unsupported(TrainOptions options, bool zero)
    {
        if (options.Swa || options.EmaDecay is not null) return "--swa and --ema are not supported with --distributed.";
        if (options.SavePath is not null || options.ResumePath is not null) return "--save and --resume are not supported with --distributed.";
        var entry = OptimizerCatalog.Get(options.Optimizer);
        if (zero && entry.Name == "lbfgs") return "--zero cannot shard LBFGS (its step is a line search over all parameters); drop --zero.";
        if (zero && entry.Name == "muon") return "--zero shards one optimizer; muon pairs Muon with AdamW. Drop --zero or pick another optimizer.";
        if (zero && OptimizerRegistry.Get(entry.Name).SwitchesTrainEvalModes)
            return $"--zero cannot switch {entry.Name}'s shards between its train and eval points; drop --zero.";
        return null;
    }

    /// <summary>
    /// The tensors of what ZeroRedundancyOptimizer hands the factory (tensors, or its local
    /// parameter groups): the catalog's optimizers take one group with their defaults, which is
    /// what each local group holds.
    /// </summary>
    private static List<Tensor> Tensors(OptimizerParams items)
        => items.SelectMany(i => i.Group is { } g ? g.Params : [i.Param!]).ToList();

    /// <summary>The loss averaged over ranks (a copy; the rank's own loss was already differentiated).</summary>
    private static Tensor MeanOverRanks(Tensor loss)
    {
        var mean = loss.Detach().Clone();
        Dist.AllReduce_(mean, ReduceOp.Avg);
        return mean;
    }
}

/// <summary>The progress of ranks other than 0: they train silently.</summary>
internal sealed class SilentProgress : ITrainingProgress
{
    public void OnBatch(int epoch, int batch, int batches) { }

    public void OnEpoch(EpochResult result) { }
}
