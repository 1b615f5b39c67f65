using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace SharpOptim.DistBench;

/// <summary>Runs the measurements under mpiexec with and without the malloc settings and writes the report.</summary>
internal static class Orchestrator
{
    public static int Run(string[] args)
    {
        int ranks = 2, maxMib = 256;
        string? markdown = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--ranks": ranks = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--max-mib": maxMib = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--markdown": markdown = args[++i]; break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}; usage: [--ranks N] [--max-mib M] [--markdown FILE]");
                    return 2;
            }
        }
        // The variants alternate, twice each, and each figure keeps the faster of its two medians:
        // busy-polling ranks on a shared machine are slowed by whatever else runs there.
        string loadBefore = LoadAverage();
        var tuned = Launch(ranks, maxMib, full: true, tuning: true);
        var untuned = Launch(ranks, maxMib, full: true, tuning: false);
        Keep(tuned, Launch(ranks, maxMib, full: true, tuning: true));
        Keep(untuned, Launch(ranks, maxMib, full: true, tuning: false));
        string report = Report(ranks, maxMib, tuned, untuned, args, loadBefore, LoadAverage());
        Console.Write(report);
        if (markdown is not null) File.WriteAllText(markdown, report);
        return 0;
    }

    private static void Keep(Dictionary<(string, string), double> best, Dictionary<(string, string), double> again)
    {
        foreach (var (key, value) in again)
            if (key.Item2.EndsWith("_ms", StringComparison.Ordinal) || key.Item1 is "allreduce" or "allgather")
                best[key] = Math.Min(best.GetValueOrDefault(key, double.MaxValue), value);
    }

    private static Dictionary<(string, string), double> Launch(int ranks, int maxMib, bool full, bool tuning)
    {
        var start = new ProcessStartInfo("mpiexec") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-n", ranks.ToString(CultureInfo.InvariantCulture), "dotnet", typeof(Orchestrator).Assembly.Location, "--rank", maxMib.ToString(CultureInfo.InvariantCulture), full ? "full" : "collectives" })
            start.ArgumentList.Add(a);
        start.Environment["MPIEXEC_TIMEOUT"] = "900";
        if (!tuning) start.Environment["SHARPOPTIM_MALLOC_TUNING"] = "0";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"mpiexec failed ({process.ExitCode}): {stderr.Result}");
        var rows = new Dictionary<(string, string), double>();
        foreach (var line in stdout.Split('\n'))
        {
            var parts = line.Trim().Split(' ');
            if (parts is ["ROW", var kind, var key, var value]) rows[(kind, key)] = double.Parse(value, CultureInfo.InvariantCulture);
        }
        return rows;
    }

    /// <summary>The 1-, 5- and 15-minute load averages (Linux), or "unknown".</summary>
    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }

    private static string Report(int ranks, int maxMib, Dictionary<(string, string), double> tuned, Dictionary<(string, string), double> untuned, string[] args,
                                 string loadBefore, string loadAfter)
    {
        string F(double v, int d = 2) => v.ToString("F" + d, CultureInfo.InvariantCulture);
        var s = new StringBuilder();
        s.AppendLine("# Distributed benchmarks (MPI)");
        s.AppendLine();
        s.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Written by `bench/SharpOptim.DistBench` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {ranks} ranks on this machine ({Environment.ProcessorCount} logical cores, so {Math.Max(1, Environment.ProcessorCount / ranks)} kernel thread(s) per rank), MPICH through `mpiexec`; each figure is rank 0's median. Command, from the repository root:"));
        s.AppendLine();
        s.AppendLine("```");
        s.AppendLine("dotnet run -c Release --project bench/SharpOptim.DistBench -- " + string.Join(' ', args));
        s.AppendLine("```");
        s.AppendLine();
        s.AppendLine($"Load average (1, 5, 15 min) before the run: {loadBefore}; after: {loadAfter}. Ranks that busy-poll need a core each at the same moment: with other work on the machine, a collective waits for the scheduler, and small-message and per-step figures mostly measure that.");
        s.AppendLine();
        s.AppendLine("**Collectives** on float32 tensors of the given total size, in place: `Dist.AllReduce_` (sum) and `Dist.AllGatherIntoTensor` (each rank contributes size / ranks). GB/s is the size divided by the time. *malloc settings* is the default: `Dist.InitProcessGroup` raises glibc's `M_MMAP_THRESHOLD` to 1 GiB and `M_TRIM_THRESHOLD` to 2 GiB; *glibc defaults* is `SHARPOPTIM_MALLOC_TUNING=0`. Each variant ran twice, alternating, and each figure is the faster of the two medians.");
        s.AppendLine();
        s.AppendLine("| size | all-reduce ms (malloc settings) | GB/s | all-reduce ms (glibc defaults) | GB/s | all-gather ms (malloc settings) | GB/s | all-gather ms (glibc defaults) | GB/s |");
        s.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (long bytes = 4 << 10; bytes <= (long)maxMib << 20; bytes *= 4)
        {
            string key = bytes.ToString(CultureInfo.InvariantCulture);
            string Cell(Dictionary<(string, string), double> rows, string kind)
                => rows.TryGetValue((kind, key), out var ms) ? $"{F(ms, ms < 1 ? 3 : 1)} | {F(bytes / ms / 1e6)}" : "– | –";
            string label = bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : $"{bytes >> 10} KiB";
            s.AppendLine($"| {label} | {Cell(tuned, "allreduce")} | {Cell(untuned, "allreduce")} | {Cell(tuned, "allgather")} | {Cell(untuned, "allgather")} |");
        }
        s.AppendLine();
        if (tuned.TryGetValue(("zero", "zero_ms"), out var zeroMs))
        {
            double unshardedMs = tuned[("zero", "unsharded_ms")];
            s.AppendLine(string.Create(CultureInfo.InvariantCulture, $"**ZeRO vs the unsharded optimizer**: one Adam step over {tuned[("zero", "parameters")] / 1e6:F1}M float32 parameters (16 tensors of 512×1024), gradients in place."));
            s.AppendLine();
            s.AppendLine("| optimizer | step ms (malloc settings) | step ms (glibc defaults) | optimizer state per rank (MiB) |");
            s.AppendLine("|---|---:|---:|---:|");
            s.AppendLine($"| Adam, unsharded | {F(unshardedMs)} | {F(untuned[("zero", "unsharded_ms")])} | {F(tuned[("zero", "unsharded_state_mib")], 1)} |");
            s.AppendLine($"| ZeroRedundancyOptimizer(Adam): local step + one all-gather | {F(zeroMs)} | {F(untuned[("zero", "zero_ms")])} | {F(tuned[("zero", "zero_state_mib")], 1)} |");
            s.AppendLine();
            double plain = tuned[("ddp", "plain_ms")], ddp = tuned[("ddp", "ddp_ms")];
            s.AppendLine(string.Create(CultureInfo.InvariantCulture, $"**DDP's gradient synchronisation**: forward + backward of an MLP 784-1024-1024-10 ({tuned[("ddp", "parameters")] / 1e6:F2}M parameters, {tuned[("ddp", "buckets")]:F0} buckets of ≤ 25 MiB, the first ≤ 1 MiB) on 32 rows per rank."));
            s.AppendLine();
            double plainU = untuned[("ddp", "plain_ms")], ddpU = untuned[("ddp", "ddp_ms")];
            s.AppendLine("| | ms per forward + backward (malloc settings) | (glibc defaults) |");
            s.AppendLine("|---|---:|---:|");
            s.AppendLine($"| the module alone | {F(plain)} | {F(plainU)} |");
            s.AppendLine($"| wrapped in DistributedDataParallel (all-reduce overlapped with backward) | {F(ddp)} | {F(ddpU)} |");
            s.AppendLine($"| overhead per step | {F(ddp - plain)} ({F((ddp - plain) / plain * 100, 0)} %) | {F(ddpU - plainU)} ({F((ddpU - plainU) / plainU * 100, 0)} %) |");
            s.AppendLine();
        }
        return s.ToString();
    }
}
