using System.Diagnostics;
using SharpOptim.NN;
using SharpOptim.Optim;

namespace SharpOptim.Examples.Train;

/// <summary>Statistics of one finished epoch.</summary>
public sealed record EpochResult(int Epoch, int Epochs, double Lr, double TrainLoss, double TrainAcc, double TestAcc, TimeSpan Elapsed);

/// <summary>The outcome of a run.</summary>
public sealed record TrainingResult(double TestAcc, TimeSpan TrainingTime, IReadOnlyList<EpochResult> Epochs);

/// <summary>Receives progress while training runs (implemented by the displays).</summary>
public interface ITrainingProgress
{
    void OnBatch(int epoch, int batch, int batches);
    void OnEpoch(EpochResult result);
}

/// <summary>
/// Trains an MLP 64-128-10 (Linear, ReLU, Linear) with cross-entropy, mini-batches reshuffled
/// every epoch, and a cosine-decayed learning rate — the recipe PyTorch users write by hand.
/// </summary>
public sealed class Trainer(TrainOptions options, Split train, Split test)
{
    public TrainingResult Run(ITrainingProgress progress)
    {
        // One seed drives the weight initialisation and the batch order (the split is fixed, see DigitsData).
        Torch.ManualSeed(options.Seed);
        var model = new Sequential(
            new Linear(DigitsData.Features, 128),
            new ReLU(),
            new Linear(128, DigitsData.Classes));
        var optimizer = Optimizers.Create(options.Optimizer, model.Parameters(), options);
        var criterion = new CrossEntropyLoss();

        int n = train.Count;
        int batches = (n + options.BatchSize - 1) / options.BatchSize;   // the last batch may be smaller
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

        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            // Cosine decay to 0 over the run, set at the start of each epoch
            // (what CosineAnnealingLR(T_max=epochs) stepped once per epoch gives).
            double lr = options.Lr * 0.5 * (1 + Math.Cos(Math.PI * epoch / options.Epochs));
            foreach (var group in optimizer.ParamGroups) group.Lr = lr;   // same as group["lr"] = lr

            model.Train();
            var order = Torch.RandPerm(n);
            double lossSum = 0;
            long correct = 0;
            for (int b = 0; b < batches; b++)
            {
                int start = b * options.BatchSize;
                int size = Math.Min(options.BatchSize, n - start);
                var index = order.Narrow(0, start, size);
                var x = train.X.IndexSelect(0, index);
                var y = train.Y.IndexSelect(0, index);

                optimizer.ZeroGrad();
                var logits = model.Forward(x);
                var loss = criterion.Forward(logits, y);
                loss.Backward();
                optimizer.Step();

                lossSum += loss.Item() * size;
                correct += CountCorrect(logits, y.ToArray<long>());
                Untimed(() => progress.OnBatch(epoch, b, batches));
            }

            double testAcc = Accuracy(model, test);
            history.Add(new EpochResult(epoch + 1, options.Epochs, lr, lossSum / n, (double)correct / n, testAcc, clock.Elapsed));
            Untimed(() => progress.OnEpoch(history[^1]));
        }

        clock.Stop();
        return new TrainingResult(history.Count > 0 ? history[^1].TestAcc : Accuracy(model, test), clock.Elapsed, history);
    }

    /// <summary>Accuracy of the model on a whole split, in eval mode without recording a graph.</summary>
    private static double Accuracy(Module model, Split split)
    {
        model.Eval();
        using (Torch.NoGrad())
            return (double)CountCorrect(model.Forward(split.X), split.Labels) / split.Count;
    }

    private static long CountCorrect(Tensor logits, long[] labels)
    {
        var predicted = logits.Argmax(1).ToArray<long>();
        long correct = 0;
        for (int i = 0; i < labels.Length; i++)
            if (predicted[i] == labels[i]) correct++;
        return correct;
    }
}
