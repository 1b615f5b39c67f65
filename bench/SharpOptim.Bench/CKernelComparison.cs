using SharpOptim.Optim;

namespace SharpOptim.Bench;

/// <summary>
/// SharpOptim's default Adam step beside the one-pass C kernel on case (a), A/B in alternating
/// rounds (ours, C, ours, C, ...) so both sides see the same machine state, and a check that the
/// two compute the same thing.
/// </summary>
public sealed record CKernelComparison(
    BenchCase Shape, int Threads, double[] OursMs, double[] CMs, int Rounds, int BytesPerElement, double CheckMaxDifference, string Compiler)
{
    /// <summary>The check's size: odd, so that both SIMD bodies and scalar tails take part.</summary>
    private const int CheckElements = 4099;

    private const int CheckSteps = 5;

    /// <summary>The issue's target: our Adam on case (a) within 10% of the C kernel's time.</summary>
    private const double TargetRatio = 1.10;

    public double OursMedianMs => SharpStepTimer.Median(OursMs);

    public double CMedianMs => SharpStepTimer.Median(CMs);

    public double Ratio => OursMedianMs / CMedianMs;

    public static CKernelComparison Measure(CAdamKernel kernel, BenchCase shape, int threads, Warmup warmup, int repeats, int rounds)
    {
        double difference = CheckAgainstOurs(kernel);
        var (optimizer, parameters) = SharpStepTimer.Prepare("adam", shape, ImplementationChoice.Default);
        List<double> ours = [], theirs = [];
        for (int round = 0; round < rounds; round++)
        {
            warmup.Run(() => optimizer.Step());
            ours.AddRange(SharpStepTimer.TimeSteps(optimizer, repeats));
            theirs.AddRange(kernel.Time([(shape.Elements, repeats)], threads, warmup)[shape.Elements]);
            Console.Error.WriteLine($"  C kernel round {round + 1}: ours {Numbers.Ms(SharpStepTimer.Median(ours))} ms, C {Numbers.Ms(SharpStepTimer.Median(theirs))} ms");
        }
        int bytes = SharpStepTimer.BytesPerElement(optimizer, parameters[0]);
        return new CKernelComparison(shape, threads, [.. ours], [.. theirs], rounds, bytes, difference, kernel.Compiler);
    }

    /// <summary>The largest difference between our default Adam's params and the C kernel's after a few steps from the same start.</summary>
    private static double CheckAgainstOurs(CAdamKernel kernel)
    {
        var (optimizer, parameters) = SharpStepTimer.Prepare("adam", new BenchCase("check", 1, CheckElements), ImplementationChoice.Default);
        float[] start = parameters[0].ToArray<float>(), grads = parameters[0].Grad!.ToArray<float>();
        for (int i = 0; i < CheckSteps; i++) optimizer.Step();
        float[] ours = parameters[0].ToArray<float>(), theirs = kernel.Check(start, grads, CheckSteps);
        return ours.Zip(theirs, (a, b) => (double)Math.Abs(a - b)).Max();
    }

    public IEnumerable<string> Lines()
    {
        yield return $"Adam, case {Shape.Name} ({Shape.Count}×{Shape.Size} float32), {Threads} threads, {Rounds} alternating rounds of " +
                     $"{OursMs.Length / Rounds} timed steps per side (each after its warm-up); the median over all of a side's steps:";
        yield return "";
        yield return "| implementation | ms per step (median) | fastest – slowest step | GB/s |";
        yield return "|---|---:|---:|---:|";
        yield return Row("SharpOptim Adam, default step", OursMs);
        yield return Row($"one-pass C kernel ({Compiler.Split(' ')[0]} {string.Join(' ', CAdamKernel.Flags)})", CMs);
        yield return "";
        yield return $"SharpOptim / C = {Numbers.Fixed(Ratio, "0.000")} (the issue's target: at most {Numbers.Fixed(TargetRatio, "0.00")}; " +
                     (Ratio <= TargetRatio ? "met)." : "not met).");
        yield return "";
        yield return $"Same math: from the same params and grads, after {CheckSteps} steps on {CheckElements} elements, the C kernel's params " +
                     $"differ from SharpOptim's default Adam by at most {Numbers.Fixed(CheckMaxDifference, "0.0e0")} " +
                     $"(float32's spacing between neighbouring numbers near 1 is {Numbers.Fixed(float.BitIncrement(1f) - 1f, "0.0e0")}).";
    }

    private string Row(string name, double[] ms) =>
        $"| {name} | {Numbers.Ms(SharpStepTimer.Median(ms))} | {Numbers.Ms(ms.Min())} – {Numbers.Ms(ms.Max())} | " +
        $"{Numbers.Fixed(Numbers.GigabytesPerSecond(Shape.Elements, BytesPerElement, SharpStepTimer.Median(ms)), "0.0")} |";
}
