using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;

namespace SharpOptim.Examples.Schedules;

/// <summary>Runs a scheduler the way a training loop does and records the lr each step trained with.</summary>
internal static class LrRecorder
{
    /// <summary>The base lr of the optimizer every curve starts from.</summary>
    public const double BaseLr = 0.1;

    /// <summary>
    /// The lr of each of <paramref name="steps"/> steps: read it, step the optimizer, step the
    /// scheduler — with the metric of that step for <see cref="ReduceLROnPlateau"/>.
    /// </summary>
    public static double[] Record(Func<Optimizer, LRScheduler> build, int steps, Func<int, double>? metric = null)
    {
        var optimizer = new SGD([Torch.Zeros([1], requiresGrad: true)], lr: BaseLr, momentum: 0.9);
        var scheduler = build(optimizer);
        var lrs = new double[steps];
        for (int step = 0; step < steps; step++)
        {
            lrs[step] = optimizer.ParamGroups[0].Lr;
            optimizer.Step();
            if (scheduler is ReduceLROnPlateau plateau) plateau.Step(metric!(step));
            else scheduler.Step();
        }
        return lrs;
    }
}
