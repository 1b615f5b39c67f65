using SharpOptim.Optim;

namespace SharpOptim.Bench;

/// <summary>One size of the scaling run: each side's median ms per step (null where it did not run).</summary>
public sealed record ScalingPoint(
    long Elements, int Repeats, int Rounds, double OursMs, Dictionary<string, (double? MedianMs, string? Error)> Torch, double? CMs)
{
    public (string Impl, double Ms)? TorchFastest => Torch
        .Where(kv => kv.Value.MedianMs is not null)
        .Select(kv => ((string, double)?)(kv.Key, kv.Value.MedianMs!.Value))
        .MinBy(x => x!.Value.Item2);
}

/// <summary>One algorithm's scaling run: its points, smallest first, and the bytes its step moves per element.</summary>
public sealed record ScalingSeries(string Algorithm, int BytesPerElement, IReadOnlyList<ScalingPoint> Points);

/// <summary>
/// The scaling run: one float32 tensor of 1K to 128M elements, our default step beside PyTorch's
/// implementations (one python process per size) and, for Adam, the one-pass C kernel.
/// </summary>
public static class ScalingRun
{
    /// <summary>Powers of 4 from 1K to 64M, then 128M (2^27).</summary>
    public static readonly long[] Sizes = [.. Enumerable.Range(0, 9).Select(i => 1L << (10 + 2 * i)), 1L << 27];

    /// <summary>
    /// Timed steps for a size: many where a step takes microseconds (a median of a few would be
    /// noise), the requested count (at least 10) where a step takes tens or hundreds of ms.
    /// </summary>
    public static int Repeats(long elements, int requested) => elements switch
    {
        <= 1 << 18 => Math.Max(requested, 200),
        <= 1 << 22 => Math.Max(requested, 50),
        _ => requested,
    };

    /// <summary>
    /// Each size in <paramref name="rounds"/> alternating rounds (ours, PyTorch, C, ours, ...), so
    /// that every side sees the same spells of machine load; each figure is the median of all its
    /// rounds' steps.
    /// </summary>
    public static ScalingSeries Measure(string algorithm, long maxElements, TorchRunner torch, CAdamKernel? kernel, int threads,
                                        Warmup warmup, int repeats, int rounds = 1)
    {
        var points = new List<ScalingPoint>();
        int bytesPerElement = 0;
        foreach (long n in Sizes.Where(n => n <= maxElements))
        {
            int count = Repeats(n, repeats);
            var shape = new BenchCase(Numbers.Elements(n), 1, checked((int)n));
            List<double> ours = [], c = [];
            var theirs = new Dictionary<string, (List<double> Times, string? Error)>();
            for (int round = 0; round < rounds; round++)
            {
                var timing = SharpStepTimer.Run(algorithm, shape, ImplementationChoice.Default, warmup, count, allocationSteps: 0);
                ours.AddRange(timing.StepsMs);
                bytesPerElement = timing.BytesPerElement;
                GC.Collect(); // our 2 GiB at 128M must be gone before PyTorch and C allocate theirs
                GC.WaitForPendingFinalizers();
                if (torch.Available)
                {
                    foreach (var (impl, (times, error)) in torch.RunTimes(algorithm, shape, warmup, count))
                    {
                        if (!theirs.TryGetValue(impl, out var entry)) theirs[impl] = entry = ([], error);
                        if (times is not null) entry.Times.AddRange(times);
                    }
                }
                if (kernel is not null && IsAdam(algorithm)) c.AddRange(kernel.Time([(n, count)], threads, warmup)[n]);
            }
            var point = new ScalingPoint(n, count, rounds, SharpStepTimer.Median(ours),
                theirs.ToDictionary(kv => kv.Key, kv => kv.Value.Times.Count > 0 ? ((double?)SharpStepTimer.Median(kv.Value.Times), (string?)null) : (null, kv.Value.Error)),
                c.Count > 0 ? SharpStepTimer.Median(c) : null);
            points.Add(point);
            Console.Error.WriteLine($"  scaling {algorithm} {shape.Name}: ours {Numbers.Ms(point.OursMs)} ms" +
                (point.TorchFastest is { } t ? $", PyTorch {t.Impl} {Numbers.Ms(t.Ms)} ms" : "") +
                (point.CMs is { } cMs ? $", C {Numbers.Ms(cMs)} ms" : ""));
        }
        return new ScalingSeries(algorithm, bytesPerElement, points);
    }

    /// <summary>The C kernel is Adam's: other algorithms' scaling runs have no C line.</summary>
    public static bool IsAdam(string algorithm) => algorithm.Equals("adam", StringComparison.OrdinalIgnoreCase);
}
