using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SharpOptim.Examples.Train;

/// <summary>Shows a run: a header, live progress while it trains, and a summary.</summary>
public interface ITrainingDisplay
{
    void Header(TrainOptions options, int trainCount, int testCount);
    TrainingResult Run(Func<ITrainingProgress, TrainingResult> training);
    void Summary(TrainingResult result, int testCount);
}

public static class TrainingDisplay
{
    /// <summary>
    /// A live table on an interactive terminal; one plain line per epoch otherwise: when output
    /// is redirected, when <c>CI</c> is set (to anything but false/0), or when Spectre.Console's
    /// own detection finds no interactive terminal (TERM=dumb, known CI services, ...).
    /// </summary>
    public static ITrainingDisplay Create() =>
        AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected && !InCi()
            ? new LiveDisplay()
            : new PlainDisplay();

    private static bool InCi() =>
        Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ci
        && !ci.Equals("false", StringComparison.OrdinalIgnoreCase) && ci != "0";

    internal static string Describe(TrainOptions o, int trainCount, int testCount) =>
        string.Create(CultureInfo.InvariantCulture,
            $"MLP 64-128-10 on digits ({trainCount} train / {testCount} test) · {OptimizerCatalog.Get(o.Optimizer).Describe(o.BaseLr)} · scheduler {o.Scheduler}{Averaging(o)} · {o.Epochs} epochs · batch {o.BatchSize} · seed {o.Seed}");

    private static string Averaging(TrainOptions o) =>
        (o.Swa ? string.Create(CultureInfo.InvariantCulture, $" · SWA from epoch {o.SwaStart + 1} (SWALR to {o.SwaLr})") : "")
        + (o.EmaDecay is double d ? string.Create(CultureInfo.InvariantCulture, $" · EMA decay {d}") : "");

    /// <summary>The summary lines after the run: final accuracy (and the averaged models'), training time.</summary>
    internal static IEnumerable<(string Label, string Value, bool Accuracy)> SummaryLines(TrainingResult result, int testCount)
    {
        string Acc(double acc) => $"{F(acc)} ({Math.Round(acc * testCount)}/{testCount})";
        yield return ("Final test accuracy", Acc(result.TestAcc), true);
        if (result.SwaTestAcc is double swa) yield return ("SWA model test accuracy", Acc(swa), true);
        if (result.EmaTestAcc is double ema) yield return ("EMA model test accuracy", Acc(ema), true);
        yield return ("Training time", Seconds(result.TrainingTime), false);
    }

    internal static string F(double v, int decimals = 4) => v.ToString("F" + decimals, CultureInfo.InvariantCulture);

    internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s";
}

/// <summary>For logs and CI: no cursor movement, no colour, one line per epoch.</summary>
internal sealed class PlainDisplay : ITrainingDisplay, ITrainingProgress
{
    public void Header(TrainOptions options, int trainCount, int testCount) =>
        Console.WriteLine(TrainingDisplay.Describe(options, trainCount, testCount));

    public TrainingResult Run(Func<ITrainingProgress, TrainingResult> training) => training(this);

    public void OnBatch(int epoch, int batch, int batches) { }

    public void OnEpoch(EpochResult r) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {r.Epoch.ToString().PadLeft(r.Epochs.ToString().Length)}/{r.Epochs}  lr {TrainingDisplay.F(r.Lr, 5)}  train loss {TrainingDisplay.F(r.TrainLoss)}  train acc {TrainingDisplay.F(r.TrainAcc)}  test acc {TrainingDisplay.F(r.TestAcc)}  total time {TrainingDisplay.Seconds(r.Elapsed)}"));

    public void Summary(TrainingResult result, int testCount)
    {
        foreach (var (label, value, _) in TrainingDisplay.SummaryLines(result, testCount)) Console.WriteLine($"{label}: {value}");
    }
}

/// <summary>For a terminal: a table that grows by one row per epoch, and a bar for the current epoch.</summary>
internal sealed class LiveDisplay : ITrainingDisplay
{
    public void Header(TrainOptions options, int trainCount, int testCount) =>
        AnsiConsole.MarkupLine($"[bold]SharpOptim[/] · {Markup.Escape(TrainingDisplay.Describe(options, trainCount, testCount))}");

    public TrainingResult Run(Func<ITrainingProgress, TrainingResult> training)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("Epoch").RightAligned())
            .AddColumn(new TableColumn("LR").RightAligned())
            .AddColumn(new TableColumn("Train loss").RightAligned())
            .AddColumn(new TableColumn("Train acc").RightAligned())
            .AddColumn(new TableColumn("Test acc").RightAligned())
            .AddColumn(new TableColumn("Total time").RightAligned());   // since the run started, not per epoch
        TrainingResult? result = null;
        AnsiConsole.Live(new Rows(table, new Markup(string.Empty)))
            .AutoClear(false)
            .Overflow(VerticalOverflow.Ellipsis)
            .Cropping(VerticalOverflowCropping.Top)   // keep the newest epochs in view on short terminals
            .Start(ctx => result = training(new Progress(ctx, table)));
        return result!;
    }

    public void Summary(TrainingResult result, int testCount)
    {
        foreach (var (label, value, accuracy) in TrainingDisplay.SummaryLines(result, testCount))
            AnsiConsole.MarkupLine($"{label}: [bold{(accuracy ? " green" : "")}]{Markup.Escape(value)}[/]");
    }

    private sealed class Progress(LiveDisplayContext ctx, Table table) : ITrainingProgress
    {
        private const int BarWidth = 30;
        private static readonly long MinTicksBetweenRefreshes = Stopwatch.Frequency / 20;   // at most 20 redraws a second
        private long _lastRefresh;

        public void OnBatch(int epoch, int batch, int batches)
        {
            long now = Stopwatch.GetTimestamp();
            if (now - _lastRefresh < MinTicksBetweenRefreshes) return;
            _lastRefresh = now;
            int filled = (batch + 1) * BarWidth / batches;
            var bar = $"[green]{new string('━', filled)}[/][grey]{new string('━', BarWidth - filled)}[/]";
            Update(new Markup($"epoch {epoch + 1}: {bar} batch {batch + 1}/{batches}"));
        }

        public void OnEpoch(EpochResult r)
        {
            table.AddRow(
                $"{r.Epoch}/{r.Epochs}",
                TrainingDisplay.F(r.Lr, 5),
                TrainingDisplay.F(r.TrainLoss),
                TrainingDisplay.F(r.TrainAcc),
                $"[bold]{TrainingDisplay.F(r.TestAcc)}[/]",
                TrainingDisplay.Seconds(r.Elapsed));
            Update(new Markup(r.Epoch == r.Epochs ? string.Empty : $"[grey]epoch {r.Epoch + 1}: starting[/]"));
            _lastRefresh = Stopwatch.GetTimestamp();
        }

        private void Update(IRenderable status)
        {
            ctx.UpdateTarget(new Rows(table, status));
            ctx.Refresh();
        }
    }
}
