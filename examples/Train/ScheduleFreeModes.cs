using SharpOptim.Optim;

namespace SharpOptim.Examples.Train;

/// <summary>
/// The schedule-free optimizers' train/eval switch, called where the model's is: their
/// parameters hold the gradient point y while training and the averaged point x, the one to
/// evaluate, average (SWA/EMA) and save, in eval mode (see <see cref="ScheduleFreeOptimizer"/>).
/// Other optimizers have no such switch and are left alone.
/// </summary>
public static class ScheduleFreeModes
{
    /// <summary>Train mode for every schedule-free optimizer of the set (at the start of each epoch, also after a resume).</summary>
    public static void Train(OptimizerSet optimizers)
    {
        foreach (var optimizer in optimizers.All)
            if (optimizer is ScheduleFreeOptimizer scheduleFree) scheduleFree.Train();
    }

    /// <summary>Eval mode for every schedule-free optimizer of the set (before evaluating, averaging or saving).</summary>
    public static void Eval(OptimizerSet optimizers)
    {
        foreach (var optimizer in optimizers.All)
            if (optimizer is ScheduleFreeOptimizer scheduleFree) scheduleFree.Eval();
    }

    /// <summary>Whether the set has a schedule-free optimizer.</summary>
    public static bool Any(OptimizerSet optimizers) => optimizers.All.Any(o => o is ScheduleFreeOptimizer);
}
