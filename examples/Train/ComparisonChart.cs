using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace SharpOptim.Examples.Train;

/// <summary>One optimizer's curves for the <c>--compare</c> chart: per epoch, its training loss and test accuracy.</summary>
public sealed record ComparisonSeries(string Name, IReadOnlyList<double> Epochs, IReadOnlyList<double> TrainLoss, IReadOnlyList<double> TestAcc);

/// <summary>
/// <c>--compare</c>'s chart, drawn with OxyPlot: the training loss (log scale) above the test
/// accuracy, one line per optimizer. Every series has its own colour and marker, and its own
/// colour and line style, so any two stay apart even where the palette repeats; the accuracy
/// axis spans the data, where the curves differ, not 0 to 1.
/// </summary>
public static partial class ComparisonChart
{
    public const int Width = 900, PanelHeight = 460;

    /// <summary>Okabe and Ito's palette, told apart with colour-vision deficiencies too (its yellow darkened to show on white).</summary>
    private static readonly OxyColor[] Colours =
    [
        OxyColor.FromRgb(0x00, 0x72, 0xB2), OxyColor.FromRgb(0xD5, 0x5E, 0x00), OxyColor.FromRgb(0x00, 0x9E, 0x73), OxyColor.FromRgb(0xCC, 0x79, 0xA7),
        OxyColor.FromRgb(0x56, 0xB4, 0xE9), OxyColor.FromRgb(0xE6, 0x9F, 0x00), OxyColor.FromRgb(0x00, 0x00, 0x00), OxyColor.FromRgb(0xB8, 0xA9, 0x00),
    ];

    private static readonly MarkerType[] Markers =
        [MarkerType.Circle, MarkerType.Square, MarkerType.Diamond, MarkerType.Triangle, MarkerType.Cross, MarkerType.Plus, MarkerType.Star];

    private static readonly LineStyle[] LineStyles = [LineStyle.Solid, LineStyle.Dash, LineStyle.Dot];

    /// <summary>
    /// Series <paramref name="index"/>'s look. Colours cycle every 8 series and markers every 7, so
    /// (colour, marker) repeats only after 56 series; the line style changes with each round of
    /// colours, so (colour, line style) repeats only after 24.
    /// </summary>
    public static (OxyColor Colour, MarkerType Marker, LineStyle Line) Style(int index)
        => (Colours[index % Colours.Length], Markers[index % Markers.Length], LineStyles[index / Colours.Length % LineStyles.Length]);

    /// <summary>The loss panel: one line per series on a logarithmic axis.</summary>
    public static PlotModel LossPlot(IReadOnlyList<ComparisonSeries> series)
    {
        var model = Panel("Training loss per epoch", series, s => s.TrainLoss);
        model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Left, Title = "cross-entropy (log scale)", AxisTitleDistance = 12, MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = Grid });
        return model;
    }

    /// <summary>The accuracy panel: its axis spans the values with a margin, within [0, 1].</summary>
    public static PlotModel AccuracyPlot(IReadOnlyList<ComparisonSeries> series)
    {
        var model = Panel("Test accuracy per epoch", series, s => s.TestAcc);
        var values = series.SelectMany(s => s.TestAcc).ToArray();
        double low = values.Length == 0 ? 0 : values.Min(), high = values.Length == 0 ? 1 : values.Max();
        double margin = Math.Max(0.05 * (high - low), 0.005);
        model.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Left, Title = "accuracy", AxisTitleDistance = 12,
            Minimum = Math.Max(0, low - margin), Maximum = Math.Min(1, high + margin),
            MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = Grid,
        });
        return model;
    }

    /// <summary>Writes both panels, one above the other, as one SVG document.</summary>
    public static void Save(string path, string title, IReadOnlyList<ComparisonSeries> series)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.WriteAllText(path, Svg(title, series), new UTF8Encoding(false));
    }

    /// <summary>The SVG document: a title line, then each panel exported by OxyPlot and placed below the previous one.</summary>
    public static string Svg(string title, IReadOnlyList<ComparisonSeries> series)
    {
        const int titleHeight = 36;
        var panels = new[] { LossPlot(series), AccuracyPlot(series) };
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{titleHeight + panels.Length * PanelHeight}\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-family=\"Arial, Helvetica, sans-serif\" font-size=\"16\" font-weight=\"bold\">{System.Security.SecurityElement.Escape(title)}</text>\n");
        for (int i = 0; i < panels.Length; i++)
        {
            // The workaround places text by offsets instead of dominant-baseline, which not every SVG renderer honours.
            var exporter = new SvgExporter { Width = Width, Height = PanelHeight, IsDocument = false, UseVerticalTextAlignmentWorkaround = true };
            svg.Append(CultureInfo.InvariantCulture, $"<g transform=\"translate(0,{titleHeight + i * PanelHeight})\">\n");
            // OxyPlot writes an XML declaration even for a fragment; inside this document it would be an error.
            svg.Append(XmlDeclaration().Replace(exporter.ExportToString(panels[i]), ""));
            svg.Append("</g>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    [GeneratedRegex(@"<\?xml[^>]*\?>\s*")]
    private static partial Regex XmlDeclaration();

    private static readonly OxyColor Grid = OxyColor.FromRgb(0xE4, 0xE4, 0xE4);

    private static PlotModel Panel(string title, IReadOnlyList<ComparisonSeries> series, Func<ComparisonSeries, IReadOnlyList<double>> values)
    {
        // Text is measured with Helvetica's metrics: the legend's padding and the axis titles' distance
        // leave room for a wider fallback font where Arial is missing.
        var model = new PlotModel
        {
            Title = title, TitleFontSize = 14, DefaultFont = "Arial, Helvetica, sans-serif", Background = OxyColors.White,
        };
        model.Legends.Add(new Legend
        {
            LegendPlacement = LegendPlacement.Outside, LegendPosition = LegendPosition.RightTop, LegendSymbolLength = 28, LegendPadding = 16,
        });
        model.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Bottom, Title = "epoch", MinimumMajorStep = 1, MinimumMinorStep = 1,
            MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = Grid,
        });
        for (int i = 0; i < series.Count; i++)
        {
            var (colour, marker, line) = Style(i);
            var curve = new LineSeries
            {
                Title = series[i].Name, Color = colour, LineStyle = line, StrokeThickness = 1.6,
                MarkerType = marker, MarkerSize = 3, MarkerFill = colour, MarkerStroke = colour,
            };
            var ys = values(series[i]);
            for (int k = 0; k < ys.Count; k++) curve.Points.Add(new DataPoint(series[i].Epochs[k], ys[k]));
            model.Series.Add(curve);
        }
        return model;
    }
}
