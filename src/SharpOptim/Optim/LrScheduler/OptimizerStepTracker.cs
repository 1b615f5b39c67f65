using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Knows whether an optimizer has stepped since the first scheduler was attached to it, which is
/// what PyTorch records by wrapping <c>optimizer.step</c> (its <c>_opt_called</c> flag). Here a
/// step pre-hook, registered once per optimizer, sets the flag; like PyTorch's wrapper it is set
/// when a step starts, and steps taken before any scheduler existed are not seen.
/// </summary>
internal static class OptimizerStepTracker
{
    private sealed class Flag
    {
        public volatile bool Stepped;
    }

    private static readonly ConditionalWeakTable<Optimizer, Flag> Flags = new();

    public static void Watch(Optimizer optimizer)
    {
        Flags.GetValue(optimizer, o =>
        {
            var flag = new Flag();
            o.RegisterStepPreHook((_, _) =>
            {
                flag.Stepped = true;
                return null;
            });
            return flag;
        });
    }

    public static bool HasStepped(Optimizer optimizer) => Flags.TryGetValue(optimizer, out var flag) && flag.Stepped;
}
