using System.Globalization;
using System.Security;
using System.Text;

namespace SharpOptim.Examples.Shared;

/// <summary>
/// A line chart written as a self-contained SVG file (no dependencies): title, axis labels, nice
/// ticks, grid lines, several series with a legend, and an optional logarithmic y axis.
/// <code>
/// new SvgChart("Loss", "epoch", "loss").AddSeries("train", xs, ys).AddSeries("test", xs, ys2).Save("loss.svg");
/// </code>
/// Several charts can be laid out on one page with <see cref="SaveGrid"/>.
/// </summary>
public sealed class SvgChart
{
    private const string Font = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

    // Tableau 10: distinct, colour-blind friendly, print well.
    private static readonly string[] Palette =
        ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    private readonly List<Series> _series = [];

    private sealed record Series(string Name, double[] Xs, double[] Ys, string Color);

    public SvgChart(string title, string xLabel, string yLabel)
    {
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
    }

    public string Title { get; }

    public string XLabel { get; }

    public string YLabel { get; }

    /// <summary>Width of the chart in pixels.</summary>
    public int Width { get; init; } = 640;

    /// <summary>Height of the chart in pixels.</summary>
    public int Height { get; init; } = 400;

    /// <summary>A logarithmic y axis (values ≤ 0 are left out of the lines).</summary>
    public bool LogY { get; init; }

    /// <summary>A logarithmic x axis (points with x ≤ 0 are left out of the lines).</summary>
    public bool LogX { get; init; }

    /// <summary>Adds a line; <paramref name="color"/> defaults to the next palette colour.</summary>
    public SvgChart AddSeries(string name, IReadOnlyList<double> xs, IReadOnlyList<double> ys, string? color = null)
    {
        ArgumentNullException.ThrowIfNull(xs);
        ArgumentNullException.ThrowIfNull(ys);
        if (xs.Count != ys.Count) throw new ArgumentException($"series '{name}' has {xs.Count} x values but {ys.Count} y values", nameof(ys));
        _series.Add(new Series(name, xs.ToArray(), ys.ToArray(), color ?? Palette[_series.Count % Palette.Length]));
        return this;
    }

    /// <summary>Writes the chart to <paramref name="path"/> (its folder is created if needed).</summary>
    public void Save(string path) => WriteFile(path, ToSvg());

    /// <summary>The chart as an SVG document.</summary>
    public string ToSvg()
    {
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"{Font}\">\n"));
        RenderBody(svg, "chart");
        return svg.Append("</svg>\n").ToString();
    }

    /// <summary>Several charts on one page, <paramref name="columns"/> per row, under a page title.</summary>
    public static void SaveGrid(string path, string title, IReadOnlyList<SvgChart> charts, int columns)
    {
        ArgumentNullException.ThrowIfNull(charts);
        if (charts.Count == 0 || columns < 1) throw new ArgumentException("a grid needs charts and at least one column");
        int cellWidth = charts.Max(c => c.Width), cellHeight = charts.Max(c => c.Height), header = 56, gap = 12;
        int rows = (charts.Count + columns - 1) / columns;
        int width = columns * cellWidth + (columns + 1) * gap, height = header + rows * (cellHeight + gap);
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"{Font}\">\n"));
        svg.Append(Invariant($"<rect width=\"{width}\" height=\"{height}\" fill=\"#f4f5f7\"/>\n"));
        svg.Append(Invariant($"<text x=\"{width / 2}\" y=\"36\" text-anchor=\"middle\" font-size=\"24\" font-weight=\"600\" fill=\"#222\">{Escape(title)}</text>\n"));
        for (int i = 0; i < charts.Count; i++)
        {
            var chart = charts[i];
            int x = gap + (i % columns) * (cellWidth + gap), y = header + (i / columns) * (cellHeight + gap);
            svg.Append(Invariant($"<svg x=\"{x}\" y=\"{y}\" width=\"{chart.Width}\" height=\"{chart.Height}\" viewBox=\"0 0 {chart.Width} {chart.Height}\">\n"));
            chart.RenderBody(svg, $"chart{i}");
            svg.Append("</svg>\n");
        }
        WriteFile(path, svg.Append("</svg>\n").ToString());
    }

    private static void WriteFile(string path, string content)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        File.WriteAllText(path, content, new UTF8Encoding(false));
    }

    /// <summary>Everything inside the root element; <paramref name="id"/> keeps clip-path ids unique on a page of several charts.</summary>
    private void RenderBody(StringBuilder svg, string id)
    {
        const int left = 72, right = 18, bottom = 52;
        var legend = LegendLayout(Width - left - right);
        int top = 44 + (legend.Count == 0 ? 0 : (legend.Max(l => l.Row) + 1) * LegendRowHeight);
        double plotW = Width - left - right, plotH = Height - top - bottom;
        var xAxis = LogX ? Axis.Log(_series.SelectMany(s => s.Xs)) : Axis.Linear(_series.SelectMany(s => s.Xs), fromZero: false);
        var yValues = _series.SelectMany(s => s.Ys).Where(v => double.IsFinite(v) && (!LogY || v > 0));
        var yAxis = LogY ? Axis.Log(yValues) : Axis.Linear(yValues, fromZero: true);
        double Px(double x) => left + xAxis.Fraction(x) * plotW;
        // A small margin above and below the data, so a line at the axis' lowest value is not hidden by the axis.
        double Py(double y) => top + (1 - (0.03 + 0.94 * yAxis.Fraction(y))) * plotH;

        svg.Append(Invariant($"<rect width=\"{Width}\" height=\"{Height}\" rx=\"6\" fill=\"#ffffff\" stroke=\"#d9dce1\"/>\n"));
        svg.Append(Invariant($"<text x=\"{left + plotW / 2:0.#}\" y=\"26\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"600\" fill=\"#222\">{Escape(Title)}</text>\n"));

        // Grid lines and tick labels.
        svg.Append("<g font-size=\"11\" fill=\"#555\">\n");
        foreach (var (value, label) in xAxis.Ticks())
        {
            double x = Px(value);
            svg.Append(Invariant($"<line x1=\"{x:0.##}\" y1=\"{top}\" x2=\"{x:0.##}\" y2=\"{top + plotH:0.##}\" stroke=\"#eceef1\"/>\n"));
            svg.Append(Invariant($"<line x1=\"{x:0.##}\" y1=\"{top + plotH:0.##}\" x2=\"{x:0.##}\" y2=\"{top + plotH + 5:0.##}\" stroke=\"#888\"/>\n"));
            svg.Append(Invariant($"<text x=\"{x:0.##}\" y=\"{top + plotH + 18:0.##}\" text-anchor=\"middle\">{label}</text>\n"));
        }
        foreach (var (value, label) in yAxis.Ticks())
        {
            double y = Py(value);
            svg.Append(Invariant($"<line x1=\"{left}\" y1=\"{y:0.##}\" x2=\"{left + plotW:0.##}\" y2=\"{y:0.##}\" stroke=\"#eceef1\"/>\n"));
            svg.Append(Invariant($"<line x1=\"{left - 5}\" y1=\"{y:0.##}\" x2=\"{left}\" y2=\"{y:0.##}\" stroke=\"#888\"/>\n"));
            svg.Append(Invariant($"<text x=\"{left - 8}\" y=\"{y + 4:0.##}\" text-anchor=\"end\">{label}</text>\n"));
        }
        svg.Append("</g>\n");

        // Axes and their labels.
        svg.Append(Invariant($"<path d=\"M{left},{top} V{top + plotH:0.##} H{left + plotW:0.##}\" fill=\"none\" stroke=\"#444\" stroke-width=\"1.2\"/>\n"));
        svg.Append(Invariant($"<text x=\"{left + plotW / 2:0.#}\" y=\"{Height - 12}\" text-anchor=\"middle\" font-size=\"13\" fill=\"#333\">{Escape(XLabel)}{(LogX ? " (log scale)" : "")}</text>\n"));
        svg.Append(Invariant($"<text transform=\"translate(16 {top + plotH / 2:0.#}) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\" fill=\"#333\">{Escape(YLabel)}{(LogY ? " (log scale)" : "")}</text>\n"));

        // The lines, clipped to the plot area.
        svg.Append(Invariant($"<clipPath id=\"{id}-plot\"><rect x=\"{left}\" y=\"{top - 2}\" width=\"{plotW:0.##}\" height=\"{plotH + 4:0.##}\"/></clipPath>\n"));
        svg.Append(Invariant($"<g clip-path=\"url(#{id}-plot)\" fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\">\n"));
        foreach (var s in _series)
        {
            var path = new StringBuilder();
            bool pen = false;
            for (int i = 0; i < s.Xs.Length; i++)
            {
                double y = s.Ys[i];
                if (!double.IsFinite(y) || (LogY && y <= 0) || (LogX && s.Xs[i] <= 0))
                {
                    pen = false; // a gap in the line
                    continue;
                }
                path.Append(Invariant($"{(pen ? " L" : " M")}{Px(s.Xs[i]):0.##},{Py(y):0.##}"));
                pen = true;
            }
            svg.Append(Invariant($"<path d=\"{path.ToString().Trim()}\" stroke=\"{s.Color}\"/>\n"));
        }
        svg.Append("</g>\n");

        RenderLegend(svg, legend, left + plotW / 2, 44);
    }

    private const int LegendRowHeight = 18;

    /// <summary>The legend entries laid out in rows under the title: (series, x offset, row) — never over the lines.</summary>
    private List<(Series Series, double X, int Row)> LegendLayout(double available)
    {
        var layout = new List<(Series, double, int)>();
        double x = 0;
        int row = 0;
        foreach (var s in _series.Where(s => s.Name.Length > 0))
        {
            double itemWidth = LegendItemWidth(s);
            if (x > 0 && x + itemWidth > available)
            {
                row++;
                x = 0;
            }
            layout.Add((s, x, row));
            x += itemWidth + 18;
        }
        return layout;
    }

    private static double LegendItemWidth(Series s) => 24 + s.Name.Length * 6.6;

    private static void RenderLegend(StringBuilder svg, List<(Series Series, double X, int Row)> layout, double centre, double top)
    {
        if (layout.Count == 0) return;
        svg.Append("<g font-size=\"12\" fill=\"#333\">\n");
        foreach (var row in layout.GroupBy(l => l.Row))
        {
            // Each row is centred under the title.
            double rowWidth = row.Max(l => l.X + LegendItemWidth(l.Series));
            double x0 = centre - rowWidth / 2, y = top + row.Key * LegendRowHeight;
            foreach (var (s, x, _) in row)
            {
                svg.Append(Invariant($"<line x1=\"{x0 + x:0.#}\" y1=\"{y:0.#}\" x2=\"{x0 + x + 16:0.#}\" y2=\"{y:0.#}\" stroke=\"{s.Color}\" stroke-width=\"3\" stroke-linecap=\"round\"/>\n"));
                svg.Append(Invariant($"<text x=\"{x0 + x + 22:0.#}\" y=\"{y + 4:0.#}\">{Escape(s.Name)}</text>\n"));
            }
        }
        svg.Append("</g>\n");
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>An axis: its range, where a value falls on it, and its ticks with labels.</summary>
    private sealed class Axis
    {
        private readonly double _low, _high, _step;
        private readonly bool _log;

        private Axis(double low, double high, double step, bool log)
        {
            (_low, _high, _step, _log) = (low, high, step, log);
        }

        /// <summary>A linear axis over the values, its ends rounded out to "nice" ticks (1, 2, 2.5 or 5 × 10ⁿ).</summary>
        public static Axis Linear(IEnumerable<double> values, bool fromZero)
        {
            var finite = values.Where(double.IsFinite).ToList();
            double min = finite.Count > 0 ? finite.Min() : 0, max = finite.Count > 0 ? finite.Max() : 1;
            if (fromZero && min >= 0) min = 0;
            if (max - min < 1e-300) (min, max) = (min - 0.5 * Math.Max(Math.Abs(min), 1), max + 0.5 * Math.Max(Math.Abs(max), 1));
            double step = NiceStep((max - min) / 6);
            return new Axis(Math.Floor(min / step + 1e-9) * step, Math.Ceiling(max / step - 1e-9) * step, step, log: false);
        }

        /// <summary>A logarithmic axis from the decade below the smallest positive value to the decade above the largest.</summary>
        public static Axis Log(IEnumerable<double> values)
        {
            var positive = values.Where(v => v > 0 && double.IsFinite(v)).ToList();
            double min = positive.Count > 0 ? positive.Min() : 1, max = positive.Count > 0 ? positive.Max() : 10;
            double low = Math.Floor(Math.Log10(min) + 1e-9), high = Math.Ceiling(Math.Log10(max) - 1e-9);
            if (high <= low) high = low + 1;
            return new Axis(low, high, Math.Max(1, Math.Ceiling((high - low) / 8)), log: true);
        }

        private static double NiceStep(double rough)
        {
            double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
            double n = rough / magnitude;
            return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * magnitude;
        }

        public double Fraction(double value) => _log
            ? (Math.Log10(value) - _low) / (_high - _low)
            : (value - _low) / (_high - _low);

        public IEnumerable<(double Value, string Label)> Ticks()
        {
            int count = (int)Math.Round((_high - _low) / _step);
            for (int i = 0; i <= count; i++)
            {
                double t = _low + i * _step;
                if (_log)
                {
                    yield return (Math.Pow(10, t), Label(Math.Pow(10, t)));
                    continue;
                }
                if (Math.Abs(t) < _step * 1e-9) t = 0;
                yield return (t, Label(t));
            }
        }

        /// <summary>Short labels: plain decimals for ordinary magnitudes, 1e-5 style for tiny or huge ones.</summary>
        private string Label(double v)
        {
            if (v == 0) return "0";
            double a = Math.Abs(v);
            if (a >= 1e-3 && a < 1e5)
            {
                int decimals = _log ? Math.Max(0, -(int)Math.Floor(Math.Log10(a))) : Math.Max(0, -(int)Math.Floor(Math.Log10(_step) + 1e-9) + (IsHalfStep() ? 1 : 0));
                return v.ToString("F" + Math.Min(decimals, 10), CultureInfo.InvariantCulture);
            }
            int exponent = (int)Math.Floor(Math.Log10(a) + 1e-9);
            double mantissa = v / Math.Pow(10, exponent);
            string m = Math.Abs(mantissa - Math.Round(mantissa)) < 1e-9 ? Math.Round(mantissa).ToString(CultureInfo.InvariantCulture) : mantissa.ToString("0.#", CultureInfo.InvariantCulture);
            return $"{m}e{exponent}";
        }

        private bool IsHalfStep()
        {
            double n = _step / Math.Pow(10, Math.Floor(Math.Log10(_step) + 1e-9));
            return Math.Abs(n - 2.5) < 1e-9;
        }
    }
}
