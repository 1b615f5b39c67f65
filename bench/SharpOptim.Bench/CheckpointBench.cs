using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace SharpOptim.Bench;

/// <summary>One side's figures: seconds per save and per load, and the peak memory a load took beyond the tensors it returned.</summary>
public sealed record CheckpointTimes(double[] SaveSeconds, double[] LoadSeconds, long?[] LoadExtraPeakBytes, long? LoadExtraAllocatedBytes, long FileBytes);

/// <summary>
/// <c>--checkpoint</c>: <c>Torch.Save</c>/<c>Torch.Load</c> of a state dict of about 1 GiB beside
/// <c>torch.save</c>/<c>torch.load(weights_only=True)</c> of the same dict (bench/torch_checkpoint.py),
/// in the same run. The dict is what a model's looks like: per layer a weight of rows × cols and a
/// bias of rows, random float32. Each side writes to a memory file system (/dev/shm where there
/// is one, its own inside the oracle's chroot), so both time the library and not the disk.
/// </summary>
public static class CheckpointBench
{
    public static readonly Option<bool> Flag = new("--checkpoint")
    {
        Description = "Also time saving and loading a state dict (about 1 GiB) beside torch.save/torch.load; --cases none runs it alone",
    };

    public static readonly Option<int> Layers = new("--checkpoint-layers")
    {
        Description = "Layers of the --checkpoint state dict, each a 2048×2048 float32 weight and a 2048 bias (16 MiB); 64 make 1 GiB",
        DefaultValueFactory = _ => 64,
    };

    public static readonly Option<int> Repeats = new("--checkpoint-repeats")
    {
        Description = "Timed saves and loads of each side for --checkpoint (the median is reported)",
        DefaultValueFactory = _ => 3,
    };

    public static readonly Option<string?> Folder = new("--checkpoint-dir")
    {
        Description = "Where --checkpoint writes its files (default /dev/shm, else the temp folder); PyTorch's side uses the same path as it sees it",
        HelpName = "path",
    };

    private const string TorchScript = "bench/torch_checkpoint.py";
    private const int Rows = 2048, Cols = 2048;

    /// <summary>Runs both sides, prints and returns the markdown section (the table and how to read it).</summary>
    public static IReadOnlyList<string> Run(int layers, int repeats, string? folder, int threads, string oraclePython)
    {
        if (layers < 1 || repeats < 1) throw new ArgumentOutOfRangeException(nameof(layers), "--checkpoint-layers and --checkpoint-repeats must be at least 1");
        string root = folder ?? (Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath());
        string dir = Path.Combine(Path.GetFullPath(root), $"sharpoptim-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            string python = Path.GetFullPath(oraclePython);
            bool torch = File.Exists(python) && File.Exists(TorchScript);
            CheckpointTimes? theirs = null;
            string? version = null;
            if (torch)
            {
                Console.Error.WriteLine("  checkpoint: PyTorch's side ...");
                (theirs, version) = RunTorch(python, layers, repeats, root, threads);
            }
            Console.Error.WriteLine("  checkpoint: SharpOptim's side ...");
            var ours = RunOurs(layers, repeats, Path.Combine(dir, "ours.pt"));
            var lines = Lines(ours, theirs, version, layers, repeats, root);
            Console.WriteLine();
            foreach (var line in lines) Console.WriteLine(line);
            return lines;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static CheckpointTimes RunOurs(int layers, int repeats, string path)
    {
        var generator = new Generator(0);
        var state = new OrderedDictionary<string, object?>();
        for (int i = 0; i < layers; i++)
        {
            state[$"layers.{i}.weight"] = Torch.Randn([Rows, Cols], generator: generator);
            state[$"layers.{i}.bias"] = Torch.Randn([Rows], generator: generator);
        }
        long dataBytes = (long)layers * (Rows * Cols + Rows) * sizeof(float);
        var saves = new double[repeats];
        var loads = new double[repeats];
        var peaks = new long?[repeats];
        long allocated = 0;
        for (int r = 0; r < repeats; r++)
        {
            File.Delete(path);
            var clock = Stopwatch.StartNew();
            Torch.Save(state, path);
            saves[r] = clock.Elapsed.TotalSeconds;

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            long before = ProcessMemory.ResidentBytes();
            bool canPeak = ProcessMemory.ResetPeak();
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            clock.Restart();
            var loaded = Torch.Load<OrderedDictionary<string, object?>>(path);
            loads[r] = clock.Elapsed.TotalSeconds;
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore - dataBytes;
            peaks[r] = canPeak ? ProcessMemory.PeakResidentBytes() - before - dataBytes : null;
            if (loaded.Count != state.Count) throw new InvalidDataException($"loaded {loaded.Count} entries of {state.Count}");
        }
        return new CheckpointTimes(saves, loads, peaks, allocated, new FileInfo(path).Length);
    }

    private static (CheckpointTimes Times, string? Version) RunTorch(string python, int layers, int repeats, string folder, int threads)
    {
        var request = new JsonObject
        {
            ["layers"] = layers, ["rows"] = Rows, ["cols"] = Cols, ["repeats"] = repeats, ["dir"] = folder, ["threads"] = threads,
        };
        var run = ChildProcess.RunChecked(python, [TorchScript, request.ToJsonString()]);
        var reply = JsonNode.Parse(run.Stdout.Trim().Split('\n')[^1]) ?? throw new InvalidDataException($"empty reply from {TorchScript}");
        static double[] Seconds(JsonNode? array) => array!.AsArray().Select(t => t!.GetValue<double>()).ToArray();
        var peaks = reply["load_extra_peak_bytes"]!.AsArray().Select(p => p is null ? (long?)null : p.GetValue<long>()).ToArray();
        var times = new CheckpointTimes(Seconds(reply["save_s"]), Seconds(reply["load_s"]), peaks, null, reply["file_bytes"]!.GetValue<long>());
        return (times, reply["torch_version"]?.GetValue<string>());
    }

    private static List<string> Lines(CheckpointTimes ours, CheckpointTimes? theirs, string? version, int layers, int repeats, string root)
    {
        var lines = new List<string>
        {
            $"A state dict of {layers} layers (each a {Rows}×{Cols} float32 weight and a {Rows} bias), {Mib(ours.FileBytes)} on disk, " +
            $"saved then loaded {repeats} times by each side{(version is null ? " (PyTorch not found: SharpOptim only)" : $" (PyTorch {version})")}; " +
            $"files in {root}, so the disk is not timed. Times are medians (min–max) in seconds; " +
            "**load peak extra** is the peak resident memory during a load beyond the resident memory before it and the loaded tensors' bytes " +
            "(Linux VmHWM, reset through /proc/self/clear_refs; median); ours also gives the managed bytes the load allocated beyond the tensors.",
            "",
            "| side | file | save s | load s | load peak extra | load allocated extra |",
            "|---|---:|---:|---:|---:|---:|",
            Row("SharpOptim Torch.Save / Torch.Load", ours),
        };
        if (theirs is not null)
        {
            lines.Add(Row("PyTorch torch.save / torch.load(weights_only=True)", theirs));
            lines.Add("");
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"Ours / PyTorch's time: save {Median(ours.SaveSeconds) / Median(theirs.SaveSeconds):0.00}, load {Median(ours.LoadSeconds) / Median(theirs.LoadSeconds):0.00} (at most 1.00 meets issue 14's goal)."));
        }
        return lines;
    }

    private static string Row(string side, CheckpointTimes t) =>
        $"| {side} | {Mib(t.FileBytes)} | {Spread(t.SaveSeconds)} | {Spread(t.LoadSeconds)} " +
        $"| {(t.LoadExtraPeakBytes.All(p => p is null) ? "n/a" : Mib((long)Median(t.LoadExtraPeakBytes.Where(p => p is not null).Select(p => (double)p!.Value).ToArray())))} " +
        $"| {(t.LoadExtraAllocatedBytes is { } a ? Mib(a) : "–")} |";

    private static string Spread(double[] seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{Median(seconds):0.000} ({seconds.Min():0.000}–{seconds.Max():0.000})");

    private static double Median(double[] values) => SharpStepTimer.Median(values);

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MiB");
}
