using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;

namespace SharpOptim.Examples.Schedules;

/// <summary>One curve: a legend entry, how to build the scheduler, and (for ReduceLROnPlateau) the metric it watches.</summary>
internal sealed record Curve(string Name, Func<Optimizer, LRScheduler> Build, Func<int, double>? Metric = null);

/// <summary>One picture: a file name, a title, and the curves drawn on it.</summary>
internal sealed record SchedulePicture(string File, string Title, string XLabel, int Steps, bool LogY, params Curve[] Curves);

/// <summary>The pictures drawn: every scheduler, with settings that show what its parameters do.</summary>
internal static class ScheduleCatalog
{
    /// <summary>A validation loss that falls, then flattens with noise: what ReduceLROnPlateau reacts to.</summary>
    private static double PlateauingLoss(int epoch) => 0.3 + 2 * Math.Exp(-epoch / 8.0) + 0.02 * Math.Sin(1.7 * epoch);

    public static IReadOnlyList<SchedulePicture> All { get; } =
    [
        new("LambdaLR", "LambdaLR", "epoch", 100, false,
            new("lr_lambda = 0.95^epoch", o => new LambdaLR(o, e => Math.Pow(0.95, e))),
            new("lr_lambda = 1 / (1 + 0.05·epoch)", o => new LambdaLR(o, e => 1 / (1 + 0.05 * e)))),
        new("MultiplicativeLR", "MultiplicativeLR", "epoch", 100, false,
            new("× 0.95 per epoch", o => new MultiplicativeLR(o, _ => 0.95)),
            new("× 0.98 per epoch", o => new MultiplicativeLR(o, _ => 0.98))),
        new("StepLR", "StepLR", "epoch", 100, true,
            new("step_size=30, gamma=0.1", o => new StepLR(o, stepSize: 30, gamma: 0.1)),
            new("step_size=10, gamma=0.5", o => new StepLR(o, stepSize: 10, gamma: 0.5))),
        new("MultiStepLR", "MultiStepLR", "epoch", 100, true,
            new("milestones=[30, 80], gamma=0.1", o => new MultiStepLR(o, [30, 80], gamma: 0.1)),
            new("milestones=[20, 40, 60, 80], gamma=0.5", o => new MultiStepLR(o, [20, 40, 60, 80], gamma: 0.5))),
        new("ConstantLR", "ConstantLR", "epoch", 40, false,
            new("factor=1/3, total_iters=5", o => new ConstantLR(o)),
            new("factor=0.5, total_iters=20", o => new ConstantLR(o, factor: 0.5, totalIters: 20))),
        new("LinearLR", "LinearLR", "epoch", 100, false,
            new("start_factor=1/3, total_iters=5", o => new LinearLR(o)),
            new("1.0 → 0.1 over 80 epochs", o => new LinearLR(o, startFactor: 1.0, endFactor: 0.1, totalIters: 80))),
        new("ExponentialLR", "ExponentialLR", "epoch", 100, true,
            new("gamma=0.95", o => new ExponentialLR(o, gamma: 0.95)),
            new("gamma=0.9", o => new ExponentialLR(o, gamma: 0.9))),
        new("PolynomialLR", "PolynomialLR", "epoch", 100, false,
            new("total_iters=80, power=1", o => new PolynomialLR(o, totalIters: 80, power: 1.0)),
            new("total_iters=80, power=2", o => new PolynomialLR(o, totalIters: 80, power: 2.0)),
            new("total_iters=80, power=0.5", o => new PolynomialLR(o, totalIters: 80, power: 0.5))),
        new("CosineAnnealingLR", "CosineAnnealingLR", "epoch", 100, false,
            new("T_max=100", o => new CosineAnnealingLR(o, tMax: 100)),
            new("T_max=25, eta_min=0.01", o => new CosineAnnealingLR(o, tMax: 25, etaMin: 0.01))),
        new("CosineAnnealingWarmRestarts", "CosineAnnealingWarmRestarts", "epoch", 100, false,
            new("T_0=10, T_mult=2", o => new CosineAnnealingWarmRestarts(o, t0: 10, tMult: 2)),
            new("T_0=25, eta_min=0.02", o => new CosineAnnealingWarmRestarts(o, t0: 25, etaMin: 0.02))),
        new("CyclicLR", "CyclicLR (base_lr=0.01, max_lr=0.1, step_size_up=10)", "batch", 100, false,
            new("triangular", o => new CyclicLR(o, baseLr: 0.01, maxLr: 0.1, stepSizeUp: 10)),
            new("triangular2", o => new CyclicLR(o, baseLr: 0.01, maxLr: 0.1, stepSizeUp: 10, mode: "triangular2")),
            new("exp_range, gamma=0.98", o => new CyclicLR(o, baseLr: 0.01, maxLr: 0.1, stepSizeUp: 10, mode: "exp_range", gamma: 0.98))),
        new("OneCycleLR", "OneCycleLR (max_lr=0.1, total_steps=100)", "batch", 100, false,
            new("cos", o => new OneCycleLR(o, maxLr: 0.1, totalSteps: 100)),
            new("linear", o => new OneCycleLR(o, maxLr: 0.1, totalSteps: 100, annealStrategy: "linear")),
            new("three_phase", o => new OneCycleLR(o, maxLr: 0.1, totalSteps: 100, threePhase: true))),
        new("ReduceLROnPlateau", "ReduceLROnPlateau on a plateauing loss", "epoch", 100, true,
            new("patience=5, factor=0.5", o => new ReduceLROnPlateau(o, patience: 5, factor: 0.5), PlateauingLoss),
            new("patience=10, factor=0.1", o => new ReduceLROnPlateau(o, patience: 10, factor: 0.1), PlateauingLoss)),
        new("ChainedScheduler", "ChainedScheduler: LinearLR + ExponentialLR", "epoch", 100, false,
            new Curve("warm-up 10 epochs, × 0.97 per epoch", o => new ChainedScheduler([new LinearLR(o, startFactor: 0.1, totalIters: 10), new ExponentialLR(o, gamma: 0.97)]))),
        new("SequentialLR", "SequentialLR: linear warm-up, then cosine", "epoch", 100, false,
            new Curve("LinearLR 10 epochs, then CosineAnnealingLR", o => new SequentialLR(o,
                [new LinearLR(o, startFactor: 0.01, endFactor: 1.0, totalIters: 10), new CosineAnnealingLR(o, tMax: 90)], milestones: [10]))),
    ];
}
