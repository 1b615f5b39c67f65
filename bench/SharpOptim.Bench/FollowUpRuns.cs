using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace SharpOptim.Bench;

/// <summary>
/// What the bench runs after the step table, and their options: Adam beside the one-pass C kernel,
/// the scaling run with its chart, and the document (docs/benchmarks.md) that gathers everything.
/// </summary>
public sealed class FollowUpRuns
{
    public Option<double> WarmupSeconds { get; } = new("--warmup-seconds")
    {
        Description = "Untimed steps last at least this long (both libraries and the C kernel), so .NET's optimizing compiler has run",
        DefaultValueFactory = _ => 0.5,
    };

    private readonly Option<bool> _scaling = new("--scaling") { Description = "Also time one float32 tensor of 1K to 128M elements and chart it" };

    private readonly Option<string> _scalingAlgorithms = new("--scaling-algorithms")
    {
        Description = "Comma-separated algorithms of the scaling run",
        DefaultValueFactory = _ => "adam",
    };

    private readonly Option<long> _scalingMax = new("--scaling-max")
    {
        Description = "Largest size of the scaling run, e.g. 4M for a quick run (K and M are 2^10 and 2^20)",
        DefaultValueFactory = _ => ScalingRun.Sizes[^1],
        CustomParser = ParseElements,
    };

    private readonly Option<int> _scalingRounds = new("--scaling-rounds")
    {
        Description = "Alternating rounds (ours, PyTorch, C) per size of the scaling run; each figure is the median over all rounds",
        DefaultValueFactory = _ => 1,
    };

    private readonly Option<string?> _chart = new("--chart")
    {
        Description = "Where the scaling chart (SVG) goes; default: beside --markdown as NAME-scaling.svg, else the temp folder",
    };

    private readonly Option<bool> _noCKernel = new("--no-c-kernel") { Description = "Skip the one-pass C kernel (gcc) beside Adam" };

    private readonly Option<int> _cRounds = new("--c-rounds")
    {
        Description = "Alternating rounds (ours, C) of the C-kernel comparison",
        DefaultValueFactory = _ => 3,
    };

    public FollowUpRuns()
    {
        _scalingAlgorithms.Validators.Add(result =>
        {
            try
            {
                BenchAlgorithms.Parse(result.GetValueOrDefault<string>());
            }
            catch (ArgumentException e)
            {
                result.AddError(e.Message);
            }
        });
    }

    public void AddTo(RootCommand root)
    {
        foreach (Option option in new Option[] { WarmupSeconds, _scaling, _scalingAlgorithms, _scalingMax, _scalingRounds, _chart, _noCKernel, _cRounds })
            root.Options.Add(option);
    }

    /// <summary>Runs what the options ask for after the step table, prints it, and returns the document of the whole run.</summary>
    public BenchDocument Run(ParseResult parsed, BenchReport table, TorchRunner torch, MachineInfo machine, Warmup warmup,
                             int repeats, int threads, string? markdownPath, string[] args)
    {
        var scalingAlgorithms = parsed.GetValue(_scaling) ? BenchAlgorithms.Parse(parsed.GetValue(_scalingAlgorithms)) : [];
        var adamCaseA = table.Find("adam", "a");
        using var kernel = BuildCKernel(parsed, adamCaseA is not null || scalingAlgorithms.Any(ScalingRun.IsAdam), out string? cNote);

        CKernelComparison? comparison = null;
        if (kernel is not null && adamCaseA is not null)
        {
            comparison = CKernelComparison.Measure(kernel, adamCaseA.Shape, threads, warmup, repeats, parsed.GetValue(_cRounds));
            GC.Collect();
            Print(comparison.Lines());
        }
        cNote ??= comparison is null ? NoAdamCaseA : null;

        var series = new List<ScalingSeries>();
        foreach (var algorithm in scalingAlgorithms)
        {
            series.Add(ScalingRun.Measure(algorithm, parsed.GetValue(_scalingMax), torch, kernel, threads, warmup, repeats,
                                          Math.Max(1, parsed.GetValue(_scalingRounds))));
            Print(ScalingReport.Lines(series[^1], torch.Available));
        }
        string? chart = series.Count == 0 ? null : ChartPath(parsed.GetValue(_chart), markdownPath);
        if (chart is not null)
        {
            ScalingReport.SaveChart(chart, series, threads);
            Console.WriteLine($"\nScaling chart: {chart}");
        }

        return new BenchDocument
        {
            Machine = machine,
            Command = CommandLine(args),
            Threads = threads,
            TorchVersion = torch.Available ? torch.Version ?? "found, not run" : null,
            StepTable = table,
            CKernel = comparison,
            CCompiler = kernel?.Compiler,
            CKernelNote = cNote,
            Scaling = series,
            ScalingChart = chart is null ? null : Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(markdownPath ?? chart))!, chart),
        };
    }

    private const string NoAdamCaseA = "Adam on case a was not part of this run";

    /// <summary>The compiled C kernel when it is wanted and gcc can build it; otherwise null and the reason (printed).</summary>
    private CAdamKernel? BuildCKernel(ParseResult parsed, bool wanted, out string? note)
    {
        CAdamKernel? kernel = null;
        note = parsed.GetValue(_noCKernel) ? "skipped (--no-c-kernel)"
             : !wanted ? NoAdamCaseA
             : (kernel = CAdamKernel.TryBuild(out string reason)) is null ? reason
             : null;
        if (note is not null && wanted) Console.WriteLine($"C kernel: {note}.");
        return kernel;
    }

    private static void Print(IEnumerable<string> lines)
    {
        Console.WriteLine();
        foreach (var line in lines) Console.WriteLine(line);
    }

    private static string ChartPath(string? requested, string? markdownPath) =>
        requested
        ?? (markdownPath is not null
            ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(markdownPath))!, Path.GetFileNameWithoutExtension(markdownPath) + "-scaling.svg")
            : Path.Combine(Path.GetTempPath(), "sharpoptim-bench-scaling.svg"));

    /// <summary>The command that reproduces this run from the repository root.</summary>
    private static string CommandLine(string[] args)
    {
        const string run = "dotnet run -c Release --project bench/SharpOptim.Bench";
        static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./,=:+".Contains(c)) ? arg : $"'{arg.Replace("'", "'\\''")}'";
        return args.Length == 0 ? run : $"{run} -- {string.Join(' ', args.Select(Quote))}";
    }

    /// <summary>An element count: a number, optionally with K (2^10) or M (2^20); at least 1024.</summary>
    private static long ParseElements(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value.Trim() : "";
        long unit = text.EndsWith('K') || text.EndsWith('k') ? 1 << 10 : text.EndsWith('M') || text.EndsWith('m') ? 1 << 20 : 1;
        string digits = unit == 1 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value * unit < ScalingRun.Sizes[0])
        {
            result.AddError($"--scaling-max: '{text}' is not an element count of at least 1K (e.g. 4M, 65536)");
            return 0;
        }
        return value * unit;
    }
}
