using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;

namespace SharpOptim.Examples.Train;

/// <summary>How long a run is, for schedulers that need to know.</summary>
/// <param name="Epochs">Epochs in the run.</param>
/// <param name="StepsPerEpoch">Optimizer steps per epoch (batches, or 1 for a full-batch closure).</param>
public readonly record struct RunLength(int Epochs, int StepsPerEpoch);

/// <summary>One learning-rate schedule the example can use.</summary>
/// <param name="Name">Its command-line name.</param>
/// <param name="PerStep">Stepped after every optimizer step (cyclic schedules); otherwise once per epoch.</param>
/// <param name="Create">Builds the scheduler; null for a constant learning rate.</param>
public sealed record SchedulerEntry(string Name, bool PerStep, Func<Optimizer, RunLength, LRScheduler?> Create);

/// <summary>
/// Every scheduler of <c>torch.optim.lr_scheduler</c>, each configured for a run of a known
/// length the way a PyTorch user would write it.
/// </summary>
public static class SchedulerCatalog
{
    private static readonly SchedulerEntry[] Entries =
    [
        new("cosine", false, (o, r) => new CosineAnnealingLR(o, tMax: r.Epochs)),
        new("none", false, (_, _) => null),
        new("warmup-cosine", false, (o, r) => new SequentialLR(o,
            [new LinearLR(o, startFactor: 0.1, totalIters: Warmup(r)), new CosineAnnealingLR(o, tMax: r.Epochs - Warmup(r))],
            milestones: [Warmup(r)])),
        new("step", false, (o, r) => new StepLR(o, stepSize: Math.Max(1, r.Epochs / 3), gamma: 0.3)),
        new("multistep", false, (o, r) => new MultiStepLR(o, milestones: [r.Epochs / 2, r.Epochs * 3 / 4], gamma: 0.1)),
        new("exponential", false, (o, r) => new ExponentialLR(o, gamma: Math.Pow(0.01, 1.0 / r.Epochs))),
        new("constant", false, (o, r) => new ConstantLR(o, factor: 0.5, totalIters: Warmup(r))),
        new("linear", false, (o, r) => new LinearLR(o, startFactor: 1.0, endFactor: 0.01, totalIters: r.Epochs)),
        new("polynomial", false, (o, r) => new PolynomialLR(o, totalIters: r.Epochs, power: 2.0)),
        new("lambda", false, (o, r) => new LambdaLR(o, epoch => 1.0 / (1 + 0.2 * epoch))),
        new("multiplicative", false, (o, r) => new MultiplicativeLR(o, _ => 0.9)),
        new("chained", false, (o, r) => new ChainedScheduler(
            [new ConstantLR(o, factor: 0.5, totalIters: Warmup(r)), new ExponentialLR(o, gamma: 0.9)])),
        new("plateau", false, (o, r) => new ReduceLROnPlateau(o, factor: 0.5, patience: 2)),
        new("warm-restarts", false, (o, r) => new CosineAnnealingWarmRestarts(o, t0: Math.Max(1, r.Epochs / 7), tMult: 2)),
        new("cyclic", true, (o, r) => new CyclicLR(o, baseLr: o.ParamGroups[0].Lr / 10, maxLr: o.ParamGroups[0].Lr,
            stepSizeUp: Math.Max(1, r.StepsPerEpoch * 2), mode: "triangular2",
            cycleMomentum: o.ParamGroups[0].ContainsKey("momentum") || o.ParamGroups[0].ContainsKey("betas"))),
        new("one-cycle", true, (o, r) => new OneCycleLR(o, maxLr: o.ParamGroups[0].Lr, epochs: r.Epochs, stepsPerEpoch: r.StepsPerEpoch,
            cycleMomentum: o.ParamGroups[0].ContainsKey("momentum") || o.ParamGroups[0].ContainsKey("betas"))),
    ];

    /// <summary>Warm-up epochs: a tenth of the run, at least one.</summary>
    private static int Warmup(RunLength r) => Math.Max(1, r.Epochs / 10);

    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    public static bool IsSupported(string name) => Entries.Any(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    public static SchedulerEntry Get(string name) =>
        Entries.FirstOrDefault(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown scheduler '{name}'. Supported: {string.Join(", ", Names)}.");
}
