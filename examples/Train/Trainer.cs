using System.Diagnostics;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using SharpOptim.Optim.SwaUtils;

namespace SharpOptim.Examples.Train;

/// <summary>Statistics of one finished epoch.</summary>
public sealed record EpochResult(int Epoch, int Epochs, double Lr, double TrainLoss, double TrainAcc, double TestAcc, TimeSpan Elapsed);

/// <summary>The outcome of a run; the averaged models' accuracies when SWA / EMA ran.</summary>
public sealed record TrainingResult(double TestAcc, TimeSpan TrainingTime, IReadOnlyList<EpochResult> Epochs,
                                    double? SwaTestAcc = null, double? EmaTestAcc = null);

/// <summary>Receives progress while training runs (implemented by the displays).</summary>
public interface ITrainingProgress
{
    void OnBatch(int epoch, int batch, int batches);
    void OnEpoch(EpochResult result);
}

/// <summary>
/// Trains an MLP 64-128-10 (Linear, ReLU, Linear) with cross-entropy and mini-batches reshuffled
/// every epoch, under any optimizer and learning-rate scheduler — the recipe PyTorch users write
/// by hand. Optionally SWA and EMA as in PyTorch's docs ("Putting it all together: SWA / EMA"):
/// SWA from 75% of the epochs on with SWALR in place of the scheduler, EMA after every step, and
/// the averaged models' BatchNorm statistics refreshed with UpdateBn at the end. A schedule-free
/// optimizer is put in eval mode (its parameters at the averaged point x) wherever the model is
/// evaluated, averaged or saved, and back in train mode to train (<see cref="ScheduleFreeModes"/>).
/// </summary>
public sealed class Trainer(TrainOptions options, Split train, Split test)
{
    public TrainingResult Run(ITrainingProgress progress)
    {
        // One seed drives the weight initialisation; each epoch's batch order has its own
        // generator derived from it, so a run resumed at an epoch draws the same batches.
        Torch.ManualSeed(options.Seed);
        var model = new Sequential(
            new Linear(DigitsData.Features, 128),
            new ReLU(),
            new Linear(128, DigitsData.Classes));
        var entry = OptimizerCatalog.Get(options.Optimizer);
        var optimizers = entry.Create(model.Parameters().ToList(), options.BaseLr);
        var optimizer = optimizers.Main;
        var criterion = new CrossEntropyLoss();

        int n = train.Count;
        int batches = entry.FullBatchClosure ? 1 : (n + options.BatchSize - 1) / options.BatchSize;   // the last batch may be smaller
        var schedule = SchedulerCatalog.Get(options.Scheduler);
        var scheduler = schedule.Create(optimizer, new RunLength(options.Epochs, batches));

        var swaModel = options.Swa ? new AveragedModel(model) : null;
        var swaScheduler = options.Swa
            ? new SWALR(optimizer, swaLr: options.SwaLr, annealEpochs: Math.Max(1, (options.Epochs - options.SwaStart) / 4))
            : null;
        var emaModel = options.EmaDecay is double decay ? new AveragedModel(model, multiAvgFn: Swa.GetEmaMultiAvgFn(decay)) : null;
        bool scheduleFree = ScheduleFreeModes.Any(optimizers);
        var checkpoint = new Checkpoint(model, optimizers, scheduler, swaModel, swaScheduler, emaModel) { Options = ResumeCheck.Record(options) };
        int firstEpoch = options.ResumePath is { } resumePath ? checkpoint.Load(resumePath) : 0;
        if (firstEpoch >= options.Epochs) throw ResumeCheck.Finished(options.ResumePath!, firstEpoch);

        var history = new List<EpochResult>(options.Epochs);
        // Wall-clock time of the training loop (including the per-epoch test evaluation), not
        // counting the time the display spends drawing.
        var clock = Stopwatch.StartNew();
        void Untimed(Action draw)
        {
            clock.Stop();
            draw();
            clock.Start();
        }

        for (int epoch = firstEpoch; epoch < options.Epochs; epoch++)
        {
            bool swaPhase = swaScheduler is not null && epoch >= options.SwaStart;
            double lr = optimizer.ParamGroups[0].Lr;
            model.Train();
            ScheduleFreeModes.Train(optimizers);   // also after a resume: the checkpoint was saved in eval mode
            double lossSum = 0;
            long correct = 0;
            var order = Torch.RandPerm(n, new Generator(unchecked(options.Seed * 1_000_003 + epoch)));
            for (int b = 0; b < batches; b++)
            {
                int start = b * options.BatchSize;
                int size = entry.FullBatchClosure ? n : Math.Min(options.BatchSize, n - start);
                var index = order.Narrow(0, entry.FullBatchClosure ? 0 : start, size);
                var x = train.X.IndexSelect(0, index);
                var y = train.Y.IndexSelect(0, index);

                Tensor? firstLogits = null;
                var loss = optimizer.Step(() =>
                {
                    foreach (var o in optimizers.All) o.ZeroGrad();
                    var logits = model.Forward(x);
                    firstLogits ??= logits;
                    var l = criterion.Forward(logits, y);
                    l.Backward();
                    return l;
                })!;
                foreach (var other in optimizers.Others) other.Step();   // gradients are in place from the closure
                if (emaModel is not null)
                {
                    // The EMA averages the weights to evaluate: a schedule-free optimizer's x.
                    if (scheduleFree) ScheduleFreeModes.Eval(optimizers);
                    emaModel.UpdateParameters(model);
                    if (scheduleFree) ScheduleFreeModes.Train(optimizers);
                }
                if (schedule.PerStep && !swaPhase) scheduler?.Step();

                lossSum += loss.Item() * size;
                correct += CountCorrect(firstLogits!, y.ToArray<long>());
                Untimed(() => progress.OnBatch(epoch, b, batches));
            }

            double trainLoss = lossSum / n;
            // From here to the next epoch the weights are evaluated, averaged and saved: at x.
            ScheduleFreeModes.Eval(optimizers);
            if (swaPhase)
            {
                swaModel!.UpdateParameters(model);
                swaScheduler!.Step();
            }
            else if (scheduler is ReduceLROnPlateau plateau) plateau.Step(trainLoss);
            else if (!schedule.PerStep) scheduler?.Step();

            double testAcc = Accuracy(model, test);
            history.Add(new EpochResult(epoch + 1, options.Epochs, lr, trainLoss, (double)correct / n, testAcc, clock.Elapsed));
            if (options.SavePath is { } savePath) Untimed(() => checkpoint.Save(savePath.Replace("{epoch}", (epoch + 1).ToString()), epoch + 1));
            Untimed(() => progress.OnEpoch(history[^1]));
        }

        // BatchNorm statistics for the averaged weights: one pass over the training data. This MLP
        // has no BatchNorm, so UpdateBn returns at once; it stays so the recipe holds for models that do.
        var trainBatches = Enumerable.Range(0, (n + options.BatchSize - 1) / options.BatchSize)
            .Select(b => train.X.Narrow(0, b * options.BatchSize, Math.Min(options.BatchSize, n - b * options.BatchSize)));
        if (swaModel is not null) Swa.UpdateBn(trainBatches, swaModel);
        if (emaModel is not null) Swa.UpdateBn(trainBatches, emaModel);
        clock.Stop();
        return new TrainingResult(history.Count > 0 ? history[^1].TestAcc : Accuracy(model, test), clock.Elapsed, history,
                                  SwaTestAcc: swaModel is null ? null : Accuracy(swaModel, test),
                                  EmaTestAcc: emaModel is null ? null : Accuracy(emaModel, test));
    }

    /// <summary>Accuracy of the model on a whole split, in eval mode without recording a graph.</summary>
    internal static double Accuracy(Module model, Split split)
    {
        model.Eval();
        using (Torch.NoGrad())
            return (double)CountCorrect(model.Forward(split.X), split.Labels) / split.Count;
    }

    /// <summary>How many rows of <paramref name="logits"/> have their largest value at the label.</summary>
    internal static long CountCorrect(Tensor logits, long[] labels)
    {
        var predicted = logits.Argmax(1).ToArray<long>();
        long correct = 0;
        for (int i = 0; i < labels.Length; i++)
            if (predicted[i] == labels[i]) correct++;
        return correct;
    }
}
