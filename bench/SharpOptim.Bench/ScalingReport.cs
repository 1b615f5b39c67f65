using SharpOptim.Examples.Shared;

namespace SharpOptim.Bench;

/// <summary>The scaling run written out: a markdown table per algorithm and one SVG with a chart per algorithm.</summary>
public static class ScalingReport
{
    private const string OursName = "SharpOptim default";
    private const string CName = "one-pass C";

    public static IEnumerable<string> Lines(ScalingSeries series, bool withTorch)
    {
        bool withC = series.Points.Any(p => p.CMs is not null);
        var header = new List<string> { "elements", "repeats", "ours default ms" };
        if (withTorch) header.AddRange(TorchRunner.Impls.Select(i => $"PyTorch {i} ms"));
        if (withC) header.Add("C kernel ms");
        header.Add("ours GB/s");
        if (withTorch) header.Add("speed-up vs PyTorch fastest");
        if (withC) header.Add("ours / C");
        int rounds = series.Points.Count > 0 ? series.Points[0].Rounds : 1;
        yield return $"{series.Algorithm}, one float32 tensor ({series.BytesPerElement} bytes moved per element)" +
                     (rounds > 1 ? $", {rounds} alternating rounds per size (ours, PyTorch, C), repeats per round, medians over all rounds:" : ":");
        yield return "";
        yield return "| " + string.Join(" | ", header) + " |";
        yield return "|" + string.Concat(header.Select((_, i) => i == 0 ? "---|" : "---:|"));
        foreach (var p in series.Points)
        {
            var cells = new List<string> { Numbers.Elements(p.Elements), p.Repeats.ToString(System.Globalization.CultureInfo.InvariantCulture), Numbers.Ms(p.OursMs) };
            if (withTorch) cells.AddRange(TorchRunner.Impls.Select(i => p.Torch.TryGetValue(i, out var r) && r.MedianMs is { } ms ? Numbers.Ms(ms) : "–"));
            if (withC) cells.Add(p.CMs is { } c ? Numbers.Ms(c) : "–");
            cells.Add(Numbers.Fixed(Numbers.GigabytesPerSecond(p.Elements, series.BytesPerElement, p.OursMs), "0.0"));
            if (withTorch) cells.Add(p.TorchFastest is { } t ? Numbers.Ratio(t.Ms / p.OursMs) : "–");
            if (withC) cells.Add(p.CMs is { } c2 ? Numbers.Fixed(p.OursMs / c2, "0.00") : "–");
            yield return "| " + string.Join(" | ", cells) + " |";
        }
    }

    /// <summary>
    /// Writes the chart(s). The y axis is throughput in GB/s (the same bytes-per-element count for
    /// every implementation), not ns per element: higher is better, the right-hand plateau reads
    /// directly as memory bandwidth, the bump in the middle as cache, and the fall on the left as
    /// the fixed cost of a step, all on one log scale.
    /// </summary>
    public static void SaveChart(string path, IReadOnlyList<ScalingSeries> all, int threads)
    {
        var charts = all.Select(series => Chart(series, threads)).ToList();
        if (charts.Count == 1) charts[0].Save(path);
        else SvgChart.SaveGrid(path, $"Optimizer step throughput by tensor size ({threads} threads)", charts, columns: 2);
    }

    private static SvgChart Chart(ScalingSeries series, int threads)
    {
        var chart = new SvgChart($"{series.Algorithm} step, one float32 tensor, {threads} threads",
                                 "elements in the tensor", $"GB/s ({series.BytesPerElement} bytes per element)")
        { LogX = true, LogY = true, Width = 720, Height = 440 };
        double[] xs = series.Points.Select(p => (double)p.Elements).ToArray();
        double GB(long n, double? ms) => ms is { } t ? Numbers.GigabytesPerSecond(n, series.BytesPerElement, t) : double.NaN;
        chart.AddSeries(OursName, xs, series.Points.Select(p => GB(p.Elements, p.OursMs)).ToArray());
        foreach (var impl in TorchRunner.Impls)
        {
            double[] ys = series.Points.Select(p => GB(p.Elements, p.Torch.TryGetValue(impl, out var r) ? r.MedianMs : null)).ToArray();
            if (ys.Any(double.IsFinite)) chart.AddSeries($"PyTorch {impl}", xs, ys);
        }
        if (series.Points.Any(p => p.CMs is not null))
            chart.AddSeries(CName, xs, series.Points.Select(p => GB(p.Elements, p.CMs)).ToArray());
        return chart;
    }
}
