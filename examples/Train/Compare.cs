using System.Globalization;
using Spectre.Console;
using SharpOptim.Examples.Shared;

namespace SharpOptim.Examples.Train;

/// <summary>
/// <c>--compare</c>: trains the same model with every optimizer in turn (each at its default
/// learning rate unless <c>--lr</c> is given, same scheduler, seed and batches), prints a table of
/// final training loss, test accuracy and time, and writes the loss curves to an SVG chart.
/// </summary>
public static class Compare
{
    public static void Run(TrainOptions template, Split train, Split test, string chartPath)
    {
        var results = new List<(OptimizerEntry Entry, double Lr, TrainingResult Result)>();
        Console.WriteLine($"Comparing {OptimizerCatalog.Names.Count} optimizers · MLP 64-128-10 on digits · scheduler {template.Scheduler} · {template.Epochs} epochs · batch {template.BatchSize} · seed {template.Seed}");
        foreach (var name in OptimizerCatalog.Names)
        {
            var options = template with { Optimizer = name, SavePath = null, ResumePath = null };
            var entry = OptimizerCatalog.Get(name);
            Console.Write($"  {entry.Describe(options.BaseLr)} ... ");
            var result = new Trainer(options, train, test).Run(Silent.Instance);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy {result.TestAcc:F4} in {result.TrainingTime.TotalSeconds:F2} s"));
            results.Add((entry, options.BaseLr, result));
        }
        PrintTable(results);
        WriteChart(results, template, chartPath);
        Console.WriteLine($"Loss curves written to {Path.GetFullPath(chartPath)}");
    }

    private static void PrintTable(List<(OptimizerEntry Entry, double Lr, TrainingResult Result)> results)
    {
        var table = new Table().Border(TableBorder.Markdown)
            .AddColumn("Optimizer")
            .AddColumn(new TableColumn("Final train loss").RightAligned())
            .AddColumn(new TableColumn("Test accuracy").RightAligned())
            .AddColumn(new TableColumn("Time").RightAligned());
        foreach (var (entry, lr, result) in results.OrderByDescending(r => r.Result.TestAcc).ThenBy(r => r.Result.Epochs[^1].TrainLoss))
            table.AddRow(
                Markup.Escape(entry.Describe(lr)),
                TrainingDisplay.F(result.Epochs[^1].TrainLoss, 5),
                TrainingDisplay.F(result.TestAcc),
                TrainingDisplay.Seconds(result.TrainingTime));
        AnsiConsole.Write(table);
    }

    private static void WriteChart(List<(OptimizerEntry Entry, double Lr, TrainingResult Result)> results, TrainOptions template, string path)
    {
        var loss = new SvgChart("Training loss per epoch", "epoch", "cross-entropy (log scale)") { LogY = true, Width = 720, Height = 440 };
        var accuracy = new SvgChart("Test accuracy per epoch", "epoch", "accuracy") { Width = 720, Height = 440 };
        foreach (var (entry, _, result) in results)
        {
            var epochs = result.Epochs.Select(e => (double)e.Epoch).ToArray();
            loss.AddSeries(entry.Name, epochs, result.Epochs.Select(e => e.TrainLoss).ToArray());
            accuracy.AddSeries(entry.Name, epochs, result.Epochs.Select(e => e.TestAcc).ToArray());
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        SvgChart.SaveGrid(path, $"Every optimizer on the digits MLP (scheduler {template.Scheduler}, {template.Epochs} epochs, seed {template.Seed})",
                          [loss, accuracy], columns: 2);
    }

    private sealed class Silent : ITrainingProgress
    {
        public static readonly Silent Instance = new();

        public void OnBatch(int epoch, int batch, int batches) { }

        public void OnEpoch(EpochResult result) { }
    }
}
