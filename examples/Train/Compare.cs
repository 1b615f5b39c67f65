using System.Globalization;

namespace SharpOptim.Examples.Train;

/// <summary>
/// <c>--compare</c>: trains the same model with every optimizer in turn (each at its default
/// learning rate unless <c>--lr</c> is given, same scheduler, seed and batches), prints a table of
/// final training loss, test accuracy and training time (Markdown), and writes the loss and
/// accuracy curves to an SVG chart (<see cref="ComparisonChart"/>).
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

    /// <summary>
    /// The results as a Markdown table, written as plain text: a rendered table would be wrapped
    /// to the terminal's width (80 columns when piped), which breaks the Markdown rows.
    /// </summary>
    public static IReadOnlyList<string> MarkdownTable(IEnumerable<(string Optimizer, double FinalTrainLoss, double TestAcc, TimeSpan TrainingTime)> rows)
    {
        string[] header = ["Optimizer", "Final train loss", "Test accuracy", "Training time"];
        var cells = rows.Select(r => new[]
        {
            r.Optimizer.Replace("|", "\\|", StringComparison.Ordinal), TrainingDisplay.F(r.FinalTrainLoss, 5), TrainingDisplay.F(r.TestAcc), TrainingDisplay.Seconds(r.TrainingTime),
        }).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => cells.Select(r => r[c].Length).Append(Math.Max(3, header[c].Length)).Max()).ToArray();
        string Line(IEnumerable<string> values) => "| " + string.Join(" | ", values) + " |";
        var lines = new List<string>
        {
            Line(header.Select((h, c) => c == 0 ? h.PadRight(widths[c]) : h.PadLeft(widths[c]))),
            Line(widths.Select((w, c) => c == 0 ? new string('-', w) : new string('-', w - 1) + ":")),
        };
        lines.AddRange(cells.Select(r => Line(r.Select((v, c) => c == 0 ? v.PadRight(widths[c]) : v.PadLeft(widths[c])))));
        return lines;
    }

    private static void PrintTable(List<(OptimizerEntry Entry, double Lr, TrainingResult Result)> results)
    {
        var rows = results.OrderByDescending(r => r.Result.TestAcc).ThenBy(r => r.Result.Epochs[^1].TrainLoss)
            .Select(r => (r.Entry.Describe(r.Lr), r.Result.Epochs[^1].TrainLoss, r.Result.TestAcc, r.Result.TrainingTime));
        Console.WriteLine();
        foreach (var line in MarkdownTable(rows)) Console.WriteLine(line);
        Console.WriteLine();
    }

    private static void WriteChart(List<(OptimizerEntry Entry, double Lr, TrainingResult Result)> results, TrainOptions template, string path)
    {
        var series = results.Select(r => new ComparisonSeries(
            r.Entry.Name,
            r.Result.Epochs.Select(e => (double)e.Epoch).ToArray(),
            r.Result.Epochs.Select(e => e.TrainLoss).ToArray(),
            r.Result.Epochs.Select(e => e.TestAcc).ToArray())).ToList();
        ComparisonChart.Save(path, $"Every optimizer on the digits MLP (scheduler {template.Scheduler}, {template.Epochs} epochs, seed {template.Seed})", series);
    }

    private sealed class Silent : ITrainingProgress
    {
        public static readonly Silent Instance = new();

        public void OnBatch(int epoch, int batch, int batches) { }

        public void OnEpoch(EpochResult result) { }
    }
}
