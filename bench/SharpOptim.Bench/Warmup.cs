using System.Diagnostics;

namespace SharpOptim.Bench;

/// <summary>
/// Untimed steps before the timed ones: at least <see cref="Steps"/> of them and at least
/// <see cref="Seconds"/> of them. The time floor matters for small steps: .NET compiles a method
/// again, optimized, only after it has run for a while, so a few microsecond-long steps would
/// still time the first, unoptimized code.
/// </summary>
public readonly record struct Warmup(int Steps, double Seconds)
{
    public void Run(Action step)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < Steps || Stopwatch.GetElapsedTime(start).TotalSeconds < Seconds; i++) step();
    }
}
