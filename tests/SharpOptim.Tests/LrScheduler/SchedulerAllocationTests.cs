using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using SharpOptim.Optim.SwaUtils;
using SharpOptim.Tests.Optim;
using Xunit;

namespace SharpOptim.Tests.LrScheduler;

/// <summary>
/// A training loop with a scheduler allocates nothing per steady-state step: an optimizer step
/// (kernel path, inline) followed by the scheduler's step, for every scheduler, configured so
/// that the measured steps change the lrs (and the cycled momentum or betas) — decays, milestones
/// and phase changes fall inside the window. Numbers as lrs; a tensor lr is a tensor operation
/// per step, as in PyTorch.
/// </summary>
[Collection(IsolatedTestsCollection.Name)]
public class SchedulerAllocationTests
{
    private const int WarmUp = 5;
    private const int Measured = 4;

    private static SGD Sgd() => new SGD(Params(), lr: 0.1, momentum: 0.9);

    private static Adam Adam() => new Adam(Params(), lr: 0.01);

    /// <summary>Two groups of small tensors, each with a gradient, so that every step runs the kernels.</summary>
    private static List<ParamGroup> Params()
    {
        var generator = new Generator(11);
        Tensor Param()
        {
            var p = Torch.Randn([7, 5], generator: generator).RequiresGrad_();
            p.Grad = Torch.Randn([7, 5], generator: generator);
            return p;
        }
        return
        [
            new ParamGroup(Enumerable.Range(0, 4).Select(_ => Param()).ToList()),
            new ParamGroup(Enumerable.Range(0, 4).Select(_ => Param()).ToList()) { ["lr"] = 0.037 },
        ];
    }

    private static double Decay(int epoch) => Math.Pow(0.97, epoch);

    private static double Shrink(int epoch) => 0.99;

    private static readonly Dictionary<string, Func<Optimizer, LRScheduler>> Schedulers = new()
    {
        ["LambdaLR"] = o => new LambdaLR(o, Decay),
        ["MultiplicativeLR"] = o => new MultiplicativeLR(o, Shrink),
        ["StepLR"] = o => new StepLR(o, stepSize: 3, gamma: 0.5),
        ["MultiStepLR"] = o => new MultiStepLR(o, [7, 9, 9, 14], gamma: 0.5),
        ["ConstantLR"] = o => new ConstantLR(o, factor: 0.5, totalIters: 8),
        ["LinearLR"] = o => new LinearLR(o, startFactor: 0.25, totalIters: 40),
        ["ExponentialLR"] = o => new ExponentialLR(o, gamma: 0.9),
        ["SequentialLR"] = o => new SequentialLR(o, [new LinearLR(o, totalIters: 8), new ExponentialLR(o, gamma: 0.9)], [10]),
        ["CosineAnnealingLR"] = o => new CosineAnnealingLR(o, tMax: 6, etaMin: 0.001),
        ["ChainedScheduler"] = o => new ChainedScheduler([new ConstantLR(o, factor: 0.5, totalIters: 10), new ExponentialLR(o, gamma: 0.9)]),
        ["CyclicLR"] = o => new CyclicLR(o, baseLr: 0.01, maxLr: 0.1, stepSizeUp: 4, mode: "triangular2"),
        ["CyclicLR-exp_range"] = o => new CyclicLR(o, baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3, stepSizeDown: 5, mode: "exp_range", gamma: 0.99),
        ["OneCycleLR"] = o => new OneCycleLR(o, maxLr: 0.1, totalSteps: 30, pctStart: 0.25),
        ["OneCycleLR-three-phase-linear"] = o => new OneCycleLR(o, maxLr: 0.1, totalSteps: 30, pctStart: 0.2, annealStrategy: "linear", threePhase: true),
        ["CosineAnnealingWarmRestarts"] = o => new CosineAnnealingWarmRestarts(o, t0: 3, tMult: 2, etaMin: 0.001),
        ["PolynomialLR"] = o => new PolynomialLR(o, totalIters: 40, power: 2.0),
        ["SWALR"] = o => new SWALR(o, swaLr: 0.05, annealEpochs: 8),
        ["SWALR-linear"] = o => new SWALR(o, swaLr: 0.05, annealEpochs: 8, annealStrategy: "linear"),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Schedulers.Keys)
        {
            data.Add(name, "SGD");
            if (name.StartsWith("CyclicLR", StringComparison.Ordinal) || name.StartsWith("OneCycleLR", StringComparison.Ordinal)) data.Add(name, "Adam"); // betas[0] cycles
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OptimizerAndSchedulerStepsAllocateNothing(string scheduler, string optimizerKind)
    {
        Optimizer optimizer = optimizerKind == "SGD" ? Sgd() : Adam();
        var lrScheduler = Schedulers[scheduler](optimizer);
        void Steps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                optimizer.Step();
                lrScheduler.Step();
            }
        }
        Steps(WarmUp);
        var before = optimizer.ParamGroups.Select(g => g.Lr).ToList();
        long allocated = KernelAllocationTests.AllocatedBy(() => Steps(Measured));
        Assert.True(allocated == 0, $"{scheduler} on {optimizerKind}: optimizer.Step() + scheduler.Step() allocated {allocated} bytes in {Measured} steps");
        Assert.NotEqual(before, optimizer.ParamGroups.Select(g => g.Lr).ToList()); // the lrs did move
    }

    public static TheoryData<string> Algorithms() => [.. KernelAllocationTests.Factories.Keys];

    /// <summary>Every algorithm's default path reads the lr a scheduler rewrote at every step without making it allocate.</summary>
    [Theory]
    [MemberData(nameof(Algorithms))]
    public void EveryOptimizerStepsWithAScheduleWithoutAllocating(string algorithm)
    {
        var optimizer = KernelAllocationTests.Create(algorithm, KernelAllocationTests.Params(algorithm, large: false), ImplementationChoice.Default);
        var scheduler = new CosineAnnealingLR(optimizer, tMax: 50);
        void Steps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                optimizer.Step();
                scheduler.Step();
            }
        }
        Steps(WarmUp);
        long allocated = KernelAllocationTests.AllocatedBy(() => Steps(Measured));
        Assert.True(allocated == 0, $"{algorithm}: optimizer.Step() + CosineAnnealingLR.Step() allocated {allocated} bytes in {Measured} steps");
    }

    [Fact]
    public void ReduceLROnPlateauStepOnAMetricAllocatesNothing()
    {
        var optimizer = Sgd();
        var scheduler = new ReduceLROnPlateau(optimizer, patience: 1, minLr: 1e-6);
        double metric = 1.0;
        void Steps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                optimizer.Step();
                scheduler.Step(metric += 0.1); // worse every epoch: the lr drops every other step
            }
        }
        Steps(WarmUp);
        double before = optimizer.ParamGroups[0].Lr;
        long allocated = KernelAllocationTests.AllocatedBy(() => Steps(4));
        Assert.True(allocated == 0, $"optimizer.Step() + ReduceLROnPlateau.Step(metric) allocated {allocated} bytes in 4 steps");
        Assert.NotEqual(before, optimizer.ParamGroups[0].Lr);
    }
}
