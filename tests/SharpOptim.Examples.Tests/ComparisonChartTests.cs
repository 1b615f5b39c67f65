using System.Xml.Linq;
using OxyPlot.Axes;
using OxyPlot.Series;
using SharpOptim.Examples.Train;
using Xunit;

namespace SharpOptim.Examples.Tests;

/// <summary>--compare's chart on made-up curves: every series can be told apart, the accuracy axis fits the data, the loss axis is labelled once.</summary>
public class ComparisonChartTests
{
    /// <summary>14 series, as many as the catalog has optimizers, accuracies between 0.90 and 0.98.</summary>
    private static List<ComparisonSeries> FakeSeries(int count = 14)
    {
        var epochs = Enumerable.Range(1, 10).Select(e => (double)e).ToArray();
        return Enumerable.Range(0, count).Select(i => new ComparisonSeries(
            $"optimizer{i}",
            epochs,
            epochs.Select(e => 2.0 / (e + i)).ToArray(),
            epochs.Select(e => 0.90 + 0.08 * (e - 1) / 9 - 0.001 * i).ToArray())).ToList();
    }

    [Fact]
    public void EverySeriesHasItsOwnColourAndMarkerAndItsOwnColourAndLineStyle()
    {
        var series = FakeSeries();
        foreach (var model in new[] { ComparisonChart.LossPlot(series), ComparisonChart.AccuracyPlot(series) })
        {
            var lines = model.Series.Cast<LineSeries>().ToList();
            Assert.Equal(series.Count, lines.Count);
            Assert.Equal(series.Count, lines.Select(l => (l.Color, l.MarkerType)).Distinct().Count());
            Assert.Equal(series.Count, lines.Select(l => (l.Color, l.LineStyle)).Distinct().Count());
            Assert.Equal(series.Select(s => s.Name), lines.Select(l => l.Title));
        }
    }

    [Fact]
    public void TheAccuracyAxisSpansTheDataNotZeroToOne()
    {
        var series = FakeSeries();
        double low = series.SelectMany(s => s.TestAcc).Min(), high = series.SelectMany(s => s.TestAcc).Max();
        var axis = ComparisonChart.AccuracyPlot(series).Axes.OfType<LinearAxis>().Single(a => a.Position == AxisPosition.Left);
        Assert.InRange(axis.Minimum, low - 0.1 * (high - low), low);
        Assert.InRange(axis.Maximum, high, Math.Min(1, high + 0.1 * (high - low)));
    }

    [Fact]
    public void TheSvgIsOneDocumentWithBothPanelsAndSaysLogScaleOnce()
    {
        string svg = ComparisonChart.Svg("Every optimizer", FakeSeries());
        var document = XDocument.Parse(svg);
        var text = string.Concat(document.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value + "\n"));
        Assert.Equal(1, CountOf(text, "(log scale)"));
        Assert.Contains("Training loss per epoch", text);
        Assert.Contains("Test accuracy per epoch", text);
        Assert.Contains("optimizer13", text);   // the legend names the last series
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
