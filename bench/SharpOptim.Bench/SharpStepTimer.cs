using System.Diagnostics;
using SharpOptim.Optim;

namespace SharpOptim.Bench;

/// <summary>What one timed configuration measured.</summary>
public sealed record StepTiming(double MedianMs, double[] StepsMs, long AllocatedBytesPerStep, int BytesPerElement);

/// <summary>Times SharpOptim's <c>Step()</c> on random params and grads, as torch_bench.py times PyTorch's.</summary>
public static class SharpStepTimer
{
    public static StepTiming Run(string algorithm, BenchCase shape, ImplementationChoice path, Warmup warmup, int repeats, int allocationSteps)
    {
        var (optimizer, parameters) = Prepare(algorithm, shape, path);
        warmup.Run(() => optimizer.Step());
        // A steady-state step allocates nothing, so no collection would ever compact the heap and
        // the tensors would stay interleaved with the set-up's garbage (the unscaled Randn above):
        // compact once, as the collections of any real training loop do.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var times = TimeSteps(optimizer, repeats);

        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < allocationSteps; i++) optimizer.Step();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        return new StepTiming(Median(times), times, allocationSteps == 0 ? 0 : allocated / allocationSteps,
                              BytesPerElement(optimizer, parameters[0]));
    }

    /// <summary>The optimizer over fresh parameters of the shape: random normal, grads random normal × 1e-2.</summary>
    public static (Optimizer Optimizer, Tensor[] Parameters) Prepare(string algorithm, BenchCase shape, ImplementationChoice path)
    {
        var generator = new Generator(0);
        var parameters = new Tensor[shape.Count];
        for (int i = 0; i < shape.Count; i++)
        {
            parameters[i] = Torch.Randn([shape.Size], generator: generator);
            parameters[i].RequiresGrad = true;
            parameters[i].Grad = Torch.Randn([shape.Size], generator: generator).Mul(1e-2);
        }
        return (BenchAlgorithms.Create(algorithm, parameters, path), parameters);
    }

    /// <summary>Milliseconds of each of <paramref name="repeats"/> steps.</summary>
    public static double[] TimeSteps(Optimizer optimizer, int repeats)
    {
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            optimizer.Step();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return times;
    }

    /// <summary>
    /// Bytes one step moves per parameter element: read param, grad and each element-wise state
    /// tensor, write param and each state tensor back.
    /// </summary>
    public static int BytesPerElement(Optimizer optimizer, Tensor param)
    {
        int stateTensors = optimizer.State.TryGetValue(param, out var state)
            ? state.Values.Count(v => v is Tensor t && t.Numel == param.Numel)
            : 0;
        return (3 + 2 * stateTensors) * param.DType.ElementSize();
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
