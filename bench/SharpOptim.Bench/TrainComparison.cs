using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SharpOptim.Bench;

/// <summary>One run of one side: the training time its program printed, its final test accuracy, and the process's wall time.</summary>
public sealed record TrainRun(double Seconds, double TestAcc, double ProcessSeconds);

/// <summary>
/// examples/Train with its default recipe beside the same recipe in PyTorch (bench/torch_train.py),
/// each run as its own process, interleaved, after one untimed warm-up run of each. Ours is the
/// "Training time" the example prints (the training loop with the per-epoch test evaluation, as
/// it is built: its own runtime settings, JIT start-up included); PyTorch's is the same span
/// timed by the script. PyTorch runs with 1 thread and with <c>--threads</c> (when more than
/// one), and the faster median is the one compared with.
/// </summary>
public static partial class TrainComparison
{
    public static readonly Option<bool> Flag = new("--train")
    {
        Description = "Also run examples/Train's default recipe end to end beside PyTorch (bench/torch_train.py); --cases none runs it alone",
    };

    public static readonly Option<int> Runs = new("--train-runs")
    {
        Description = "Timed runs of each side for --train (the median is compared)",
        DefaultValueFactory = _ => 5,
    };

    public static readonly Option<string?> Program = new("--train-program")
    {
        Description = "The Train example's dll to time for --train (default: the examples/Train build of this configuration), e.g. a ReadyToRun publish",
        HelpName = "path",
    };

    private const string TorchScript = "bench/torch_train.py";

    public static int Run(int runs, int threads, string oraclePython, string? trainProgram, TextWriter output)
    {
        if (runs < 1) throw new ArgumentOutOfRangeException(nameof(runs), runs, "--train-runs must be at least 1");
        string program = trainProgram is null ? LocateTrainProgram() : Path.GetFullPath(trainProgram);
        if (!File.Exists(program))
        {
            Console.Error.WriteLine($"The Train example was not found at {program}: build it first (dotnet build -c {Configuration} examples/Train), from the repository root.");
            return 2;
        }
        if (Configuration != "Release") Console.Error.WriteLine($"Warning: this is a {Configuration} build; timings are meant for -c Release.");
        string python = Path.GetFullPath(oraclePython);
        bool torch = File.Exists(TorchScript) && Oracle.Answers(python);
        if (!torch) output.WriteLine($"PyTorch was not found ({oraclePython}): printing SharpOptim's figures only.");

        var torchThreads = threads > 1 ? new[] { 1, threads } : [1];
        string ours = trainProgram is null ? "SharpOptim (examples/Train)" : $"SharpOptim ({trainProgram})";
        var sides = new List<(string Label, Func<TrainRun> Once)> { (ours, () => RunOurs(program)) };
        string? version = null;
        if (torch)
            foreach (int t in torchThreads)
                sides.Add(($"PyTorch, {t} thread{(t == 1 ? "" : "s")}", () => RunTorch(python, t, out version)));

        foreach (var (_, once) in sides) once();   // warm-up: disk caches, first imports
        var results = sides.Select(_ => new List<TrainRun>()).ToArray();
        for (int r = 0; r < runs; r++)
            for (int s = 0; s < sides.Count; s++)
            {
                results[s].Add(sides[s].Once());
                Console.Error.WriteLine($"  run {r + 1}/{runs} {sides[s].Label}: {results[s][^1].Seconds:0.000} s");
            }

        output.WriteLine($"examples/Train, default recipe (MLP 64-128-10, SGD lr 0.05 momentum 0.9, cosine, batch 32, 30 epochs, seed 0); " +
                         $"{runs} runs of each side after a warm-up run, interleaved{(version is null ? "" : $"; PyTorch {version}")}.");
        output.WriteLine("| side | training time, median (min–max) s | final test acc (median) | process wall, median s |");
        output.WriteLine("|---|---:|---:|---:|");
        for (int s = 0; s < sides.Count; s++)
            output.WriteLine($"| {sides[s].Label} | {Median(results[s], r => r.Seconds):0.000} ({results[s].Min(r => r.Seconds):0.000}–{results[s].Max(r => r.Seconds):0.000}) " +
                             $"| {Median(results[s], r => r.TestAcc):0.0000} | {Median(results[s], r => r.ProcessSeconds):0.00} |");
        if (torch)
        {
            int fastest = Enumerable.Range(1, sides.Count - 1).MinBy(s => Median(results[s], r => r.Seconds));
            double ratio = Median(results[0], r => r.Seconds) / Median(results[fastest], r => r.Seconds);
            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Ours / PyTorch's faster ({sides[fastest].Label}): {ratio:0.00} of its time ({1 / ratio:0.0}× as fast); the target is at most 0.50."));
        }
        return 0;
    }

    private static double Median(List<TrainRun> runs, Func<TrainRun, double> value) => SharpStepTimer.Median(runs.Select(value).ToArray());

    /// <summary>The configuration this bench was built in (the Train example is looked for in the same one).</summary>
    private static string Configuration =>
        typeof(TrainComparison).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>examples/Train's build output for this configuration and target framework, relative to the repository root.</summary>
    private static string LocateTrainProgram()
    {
        string framework = Path.GetFileName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.GetFullPath(Path.Combine("examples", "Train", "bin", Configuration, framework, "Train.dll"));
    }

    private static TrainRun RunOurs(string program)
    {
        // The apphost beside the dll when there is one; the dotnet host otherwise.
        string apphost = Path.ChangeExtension(program, OperatingSystem.IsWindows() ? ".exe" : null);
        var run = File.Exists(apphost) ? ChildProcess.RunChecked(apphost, []) : ChildProcess.RunChecked("dotnet", [program]);
        double seconds = ParseNumber(TrainingTime(), run.Stdout, "Training time");
        double acc = ParseNumber(FinalAccuracy(), run.Stdout, "Final test accuracy");
        return new TrainRun(seconds, acc, run.Wall.TotalSeconds);
    }

    private static TrainRun RunTorch(string python, int threads, out string? version)
    {
        var run = ChildProcess.RunChecked(python, [TorchScript, threads.ToString(CultureInfo.InvariantCulture)]);
        var reply = JsonNode.Parse(run.Stdout.Trim().Split('\n')[^1]) ?? throw new InvalidDataException($"empty reply from {TorchScript}");
        version = reply["torch_version"]?.GetValue<string>();
        return new TrainRun(reply["seconds"]!.GetValue<double>(), reply["test_acc"]!.GetValue<double>(), run.Wall.TotalSeconds);
    }

    private static double ParseNumber(Regex pattern, string stdout, string what)
    {
        var m = pattern.Match(stdout);
        if (!m.Success) throw new InvalidDataException($"the Train example printed no '{what}' line:\n{stdout}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^Training time: ([0-9.]+) s", RegexOptions.Multiline)]
    private static partial Regex TrainingTime();

    [GeneratedRegex(@"^Final test accuracy: ([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex FinalAccuracy();
}
