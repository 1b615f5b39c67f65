using SharpOptim.Optim;

namespace SharpOptim.Bench;

/// <summary>One table row: one algorithm on one shape, each of our paths and each of PyTorch's.</summary>
public sealed record BenchRow(
    string Algorithm, BenchCase Shape, Dictionary<ImplementationChoice, StepTiming> Ours,
    Dictionary<string, (double? MedianMs, string? Error)> Torch)
{
    public StepTiming Default => Ours[ImplementationChoice.Default];

    /// <summary>PyTorch's fastest implementation and its time, when PyTorch ran.</summary>
    public (string Impl, double Ms)? TorchFastest => Torch
        .Where(kv => kv.Value.MedianMs is not null)
        .Select(kv => (kv.Key, kv.Value.MedianMs!.Value))
        .OrderBy(x => x.Item2)
        .Select(x => ((string, double)?)x)
        .FirstOrDefault();
}

public static class BenchRunner
{
    /// <summary>Our kernel paths; the reference path is PyTorch's for-loop counterpart and not a speed path.</summary>
    private static readonly ImplementationChoice[] Paths = [ImplementationChoice.Default, ImplementationChoice.ForEach, ImplementationChoice.Fused];

    /// <summary>Steps over which allocation is averaged (fewer on the huge case, whose step takes long).</summary>
    private static int AllocationSteps(BenchCase shape) => shape.Elements >= 1 << 24 ? 10 : 100;

    public static BenchRow Measure(string algorithm, BenchCase shape, TorchRunner torch, Warmup warmup, int repeats)
    {
        var ours = new Dictionary<ImplementationChoice, StepTiming>();
        foreach (var path in Paths)
        {
            ours[path] = SharpStepTimer.Run(algorithm, shape, path, warmup, repeats, path == ImplementationChoice.Default ? AllocationSteps(shape) : 0);
            GC.Collect();
        }
        var theirs = torch.Available ? torch.Run(algorithm, shape, warmup, repeats) : [];
        return new BenchRow(algorithm, shape, ours, theirs);
    }
}
