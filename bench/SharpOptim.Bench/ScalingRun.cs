using SharpOptim.Optim;

namespace SharpOptim.Bench;

/// <summary>One size of the scaling run: each side's median ms per step (null where it did not run).</summary>
public sealed record ScalingPoint(
    long Elements, int Repeats, double OursMs, Dictionary<string, (double? MedianMs, string? Error)> Torch, double? CMs)
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

    public static ScalingSeries Measure(string algorithm, long maxElements, TorchRunner torch, CAdamKernel? kernel, int threads, Warmup warmup, int repeats)
    {
        var points = new List<ScalingPoint>();
        int bytesPerElement = 0;
        foreach (long n in Sizes.Where(n => n <= maxElements))
        {
            int count = Repeats(n, repeats);
            var shape = new BenchCase(Numbers.Elements(n), 1, checked((int)n));
            var ours = SharpStepTimer.Run(algorithm, shape, ImplementationChoice.Default, warmup, count, allocationSteps: 0);
            bytesPerElement = ours.BytesPerElement;
            GC.Collect(); // our 2 GiB at 128M must be gone before PyTorch and C allocate theirs
            GC.WaitForPendingFinalizers();
            var theirs = torch.Available ? torch.Run(algorithm, shape, warmup, count) : [];
            double? c = kernel is not null && IsAdam(algorithm)
                ? SharpStepTimer.Median(kernel.Time([(n, count)], threads, warmup)[n])
                : null;
            var point = new ScalingPoint(n, count, ours.MedianMs, theirs, c);
            points.Add(point);
            Console.Error.WriteLine($"  scaling {algorithm} {shape.Name}: ours {Numbers.Ms(point.OursMs)} ms" +
                (point.TorchFastest is { } t ? $", PyTorch {t.Impl} {Numbers.Ms(t.Ms)} ms" : "") +
                (c is { } cMs ? $", C {Numbers.Ms(cMs)} ms" : ""));
        }
        return new ScalingSeries(algorithm, bytesPerElement, points);
    }

    /// <summary>The C kernel is Adam's: other algorithms' scaling runs have no C line.</summary>
    public static bool IsAdam(string algorithm) => algorithm.Equals("adam", StringComparison.OrdinalIgnoreCase);
}
