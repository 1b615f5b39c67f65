using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Knows whether an optimizer has stepped since the first scheduler was attached to it, which is
/// what PyTorch records by wrapping <c>optimizer.step</c> (its <c>_opt_called</c> flag). Here the
/// optimizer counts its step calls (as a step starts, as PyTorch's wrapper sets its flag) and the
/// count at the first attachment is remembered, so steps taken before any scheduler existed are
/// not seen. Nothing runs on the optimizer's step: a scheduler adds no hook, and no cost, to it.
/// </summary>
internal static class OptimizerStepTracker
{
    private sealed class Baseline(long stepCalls)
    {
        public readonly long StepCalls = stepCalls;
    }

    private static readonly ConditionalWeakTable<Optimizer, Baseline> Baselines = new();

    public static void Watch(Optimizer optimizer) => Baselines.GetValue(optimizer, o => new Baseline(o.StepCalls));

    public static bool HasStepped(Optimizer optimizer) => Baselines.TryGetValue(optimizer, out var baseline) && optimizer.StepCalls > baseline.StepCalls;
}
