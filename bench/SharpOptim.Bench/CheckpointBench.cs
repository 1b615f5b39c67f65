using System.CommandLine;
using System.Globalization;

namespace SharpOptim.Bench;

/// <summary>
/// <c>--checkpoint</c>: <c>Torch.Save</c>/<c>Torch.Load</c> of a state dict of about 1 GiB beside
/// <c>torch.save</c>/<c>torch.load(weights_only=True)</c> of the same dict (bench/torch_checkpoint.py),
/// in the same run, interleaved. The dict is what a model's looks like: per layer a weight of rows × cols and a
/// bias of rows, random float32. Both sides write under the same folder of the working directory
/// (which the oracle bind-mounts), so they share one file system and page cache: a memory file
/// system would not do, as the oracle's chroot has its own /dev/shm, slower to read from.
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
        DefaultValueFactory = _ => 5,
    };

    public static readonly Option<string> Folder = new("--checkpoint-dir")
    {
        Description = "Where --checkpoint writes its files, relative to the repository root so that PyTorch's side (the oracle) sees the same folder",
        DefaultValueFactory = _ => "artifacts/bench-checkpoint",
        HelpName = "path",
    };

    private const int Rows = 2048, Cols = 2048;

    /// <summary>
    /// Runs both sides, interleaved: each repeat saves on both sides, then loads on both, the side
    /// that goes first alternating, so that a machine whose load changes affects both alike. Prints
    /// and returns the markdown section (the table and how to read it).
    /// </summary>
    public static IReadOnlyList<string> Run(int layers, int repeats, string folder, int threads, string oraclePython)
    {
        if (layers < 1 || repeats < 1) throw new ArgumentOutOfRangeException(nameof(layers), "--checkpoint-layers and --checkpoint-repeats must be at least 1");
        string dir = Path.Combine(Path.GetFullPath(folder), $"sharpoptim-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            string python = Path.GetFullPath(oraclePython);
            using var theirs = File.Exists(TorchCheckpointSide.Script) && Oracle.Answers(python)
                ? new TorchCheckpointSide(python, layers, Rows, Cols, folder, threads)
                : null;
            using var ours = new OurCheckpointSide(layers, Rows, Cols, Path.Combine(dir, "ours.pt"));
            var sides = new List<(string Label, ICheckpointSide Side, List<CheckpointMeasurement> Saves, List<CheckpointMeasurement> Loads)>
            {
                ("SharpOptim Torch.Save / Torch.Load", ours, [], []),
            };
            if (theirs is not null) sides.Add(("PyTorch torch.save / torch.load(weights_only=True)", theirs, [], []));
            for (int r = 0; r < repeats; r++)
            {
                var order = r % 2 == 0 ? sides : Enumerable.Reverse(sides).ToList();
                foreach (var s in order) s.Saves.Add(s.Side.Save());
                foreach (var s in order) s.Loads.Add(s.Side.Load());
                Console.Error.WriteLine($"  checkpoint repeat {r + 1}/{repeats}: " + string.Join(", ",
                    sides.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Label.Split(' ')[0]} save {s.Saves[^1].Seconds:0.000} s load {s.Loads[^1].Seconds:0.000} s"))));
            }
            var lines = Lines(sides.Select(s => (s.Label, s.Saves, s.Loads)).ToList(), theirs?.Version, layers, repeats, folder);
            Console.WriteLine();
            foreach (var line in lines) Console.WriteLine(line);
            return lines;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static List<string> Lines(List<(string Label, List<CheckpointMeasurement> Saves, List<CheckpointMeasurement> Loads)> sides,
                                      string? version, int layers, int repeats, string folder)
    {
        var lines = new List<string>
        {
            $"A state dict of {layers} layers (each a {Rows}×{Cols} float32 weight and a {Rows} bias), {Mib(sides[0].Loads[0].FileBytes)} on disk, " +
            $"saved then loaded {repeats} times by each side, the sides interleaved{(version is null ? " (PyTorch not found: SharpOptim only)" : $" (PyTorch {version})")}; " +
            $"both sides' files in {folder}, the same file system, each file loaded from the page cache right after it was written. Times are in seconds, medians (min–max) over the rounds; " +
            "the **first load** of each process also pays for fresh memory from the OS, later ones may reuse memory their allocator kept. " +
            "**Load peak extra**: the largest, over the loads, peak resident memory during a load beyond the resident memory before it and " +
            "the loaded tensors' bytes (Linux VmHWM, reset through /proc/self/clear_refs); **load allocated extra** (ours): managed bytes a load allocated beyond the tensors.",
            "",
            "| side | file | save s | first load s | later loads s | load peak extra | load allocated extra |",
            "|---|---:|---:|---:|---:|---:|---:|",
        };
        foreach (var (label, saves, loads) in sides)
            lines.Add($"| {label} | {Mib(loads[0].FileBytes)} | {Spread(saves.Select(m => m.Seconds).ToArray())} " +
                      string.Create(CultureInfo.InvariantCulture, $"| {loads[0].Seconds:0.000} | {(loads.Count > 1 ? Spread(loads.Skip(1).Select(m => m.Seconds).ToArray()) : "–")} ") +
                      $"| {Largest(loads.Select(m => m.ExtraPeakBytes))} | {Largest(loads.Select(m => m.ExtraAllocatedBytes))} |");
        if (sides.Count == 2)
        {
            double Median(IEnumerable<CheckpointMeasurement> ms) => SharpStepTimer.Median(ms.Select(m => m.Seconds).ToArray());
            lines.Add("");
            string later = repeats > 1
                ? string.Create(CultureInfo.InvariantCulture, $", later loads {Median(sides[0].Loads.Skip(1)) / Median(sides[1].Loads.Skip(1)):0.00} (medians).")
                : ".";
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"Ours / PyTorch's time (at most 1.00 meets issue 14's goal): save {Median(sides[0].Saves) / Median(sides[1].Saves):0.00} (medians), first load {sides[0].Loads[0].Seconds / sides[1].Loads[0].Seconds:0.00}") + later);
        }
        return lines;
    }

    /// <summary>The largest of the figures, or – where there are none; at most zero shows as ≤ 0 (the load freed more than it kept beyond its result).</summary>
    private static string Largest(IEnumerable<long?> bytes)
    {
        var known = bytes.Where(b => b is not null).Select(b => b!.Value).ToList();
        return known.Count == 0 ? "–" : known.Max() <= 0 ? "≤ 0 MiB" : Mib(known.Max());
    }

    private static string Spread(double[] seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{SharpStepTimer.Median(seconds):0.000} ({seconds.Min():0.000}–{seconds.Max():0.000})");


    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MiB");
}
