using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using Xunit;

namespace SharpOptim.Tests.LrScheduler;

/// <summary>
/// Properties of the scheduler API that the recorded fixtures do not show: object identity and
/// aliasing (as PyTorch's test_constant_initial_lr family checks), copies in state dicts, atomic
/// loading, unknown keys, subclassing, and the C#-specific overloads.
/// </summary>
public class LrSchedulerBehaviourTests
{
    private static Tensor Param() => Torch.Zeros([2], requiresGrad: true);

    private static SGD TwoGroups(double momentum = 0)
        => new([new ParamGroup([Param()]) { ["lr"] = 0.1 }, new ParamGroup([Param()]) { ["lr"] = 0.037 }], momentum: momentum);

    [Fact]
    public void ATensorLrStaysTheSameTensorAndInitialLrDoesNotAliasIt()
    {
        var lr = Torch.Scalar(0.1, DType.Float32);
        var optimizer = new SGD([Param()], lr: lr);
        var scheduler = new StepLR(optimizer, stepSize: 1, gamma: 0.5);
        for (int i = 0; i < 3; i++)
        {
            optimizer.Step();
            scheduler.Step();
            Assert.Same(lr, optimizer.ParamGroups[0]["lr"]);
        }
        Assert.Equal((double)(0.1f * 0.125f), lr.Item());
        var initialLr = (Tensor)optimizer.ParamGroups[0]["initial_lr"]!;
        Assert.NotSame(lr, initialLr);
        Assert.NotSame(initialLr, scheduler.BaseLrs[0].Tensor);
        Assert.Equal((double)0.1f, initialLr.Item());
        Assert.Equal((double)0.1f, scheduler.BaseLrs[0].Value);
        Assert.NotSame(lr, scheduler.GetLastLr()[0].Tensor); // last lrs are copies
    }

    public static TheoryData<string> EpochSchedulers() =>
    [
        nameof(LambdaLR), nameof(MultiplicativeLR), nameof(StepLR), nameof(MultiStepLR), nameof(ConstantLR), nameof(LinearLR),
        nameof(ExponentialLR), nameof(PolynomialLR), nameof(CosineAnnealingLR), nameof(CosineAnnealingWarmRestarts),
    ];

    /// <summary>PyTorch's test_constant_initial_lr: a tensor lr changed from outside never reaches initial_lr or the base lrs.</summary>
    [Theory]
    [MemberData(nameof(EpochSchedulers))]
    public void InitialLrAndBaseLrsStayConstantWhenATensorLrChanges(string name)
    {
        var lr = Torch.Scalar(0.1, DType.Float32);
        var optimizer = new SGD([Param()], lr: lr);
        LRScheduler scheduler = name switch
        {
            nameof(LambdaLR) => new LambdaLR(optimizer, e => Math.Floor(e / 10.0)),
            nameof(MultiplicativeLR) => new MultiplicativeLR(optimizer, _ => 0.95),
            nameof(StepLR) => new StepLR(optimizer, stepSize: 30),
            nameof(MultiStepLR) => new MultiStepLR(optimizer, [30, 80]),
            nameof(ConstantLR) => new ConstantLR(optimizer),
            nameof(LinearLR) => new LinearLR(optimizer),
            nameof(ExponentialLR) => new ExponentialLR(optimizer, gamma: 0.9),
            nameof(PolynomialLR) => new PolynomialLR(optimizer),
            nameof(CosineAnnealingLR) => new CosineAnnealingLR(optimizer, tMax: 10),
            _ => new CosineAnnealingWarmRestarts(optimizer, t0: 20),
        };
        var initialLr = optimizer.ParamGroups[0]["initial_lr"];
        for (int i = 0; i < 2; i++)
        {
            optimizer.Step();
            scheduler.Step(i);
            lr.Mul_(0.1);
            Assert.Same(initialLr, optimizer.ParamGroups[0]["initial_lr"]);
            Assert.Equal((double)0.1f, ((Tensor)initialLr!).Item());
            Assert.Equal((double)0.1f, scheduler.BaseLrs[0].Value);
            Assert.NotSame(scheduler.BaseLrs[0].Tensor, initialLr);
        }
    }

    [Fact]
    public void CyclicAndOneCycleCopyTheTensorsTheyAreGiven()
    {
        var baseLr = Torch.Scalar(0.1, DType.Float32);
        var maxLr = Torch.Scalar(0.2, DType.Float32);
        var optimizer = new SGD([Param()], lr: 0.1, momentum: 0.9);
        var scheduler = new CyclicLR(optimizer, baseLr: baseLr, maxLr: maxLr, stepSizeUp: 4);
        baseLr.Fill_(1.0);
        maxLr.Fill_(2.0);
        Assert.Equal((double)0.1f, scheduler.BaseLrs[0].Value);
        optimizer.Step();
        scheduler.Step();
        Assert.Equal((double)(0.1f + (0.2f - 0.1f) * 0.25f), optimizer.ParamGroups[0].Lr, 1e-7); // from 0.1 towards 0.2, not towards the changed tensors

        var maxLr2 = Torch.Scalar(0.5, DType.Float32);
        var optimizer2 = new SGD([Param()], lr: 0.1, momentum: 0.9);
        _ = new OneCycleLR(optimizer2, maxLr: maxLr2, totalSteps: 10);
        maxLr2.Fill_(7.0);
        Assert.Equal((double)0.5f, ((Tensor)optimizer2.ParamGroups[0]["max_lr"]!).Item());
    }

    /// <summary>
    /// OneCycleLR divides <c>max_lr / div_factor</c> and <c>initial_lr / final_div_factor</c> as Python
    /// floats, so a zero factor raises PyTorch's <c>ZeroDivisionError: division by zero</c> (as the
    /// oracle shows for torch 2.14) instead of giving an infinite lr, and the groups are left as they were.
    /// </summary>
    [Theory]
    [InlineData(0.0, 1e4)]
    [InlineData(25.0, 0.0)]
    public void OneCycleRefusesAZeroDivFactorAsPythonDivides(double divFactor, double finalDivFactor)
    {
        var optimizer = new SGD([Param()], lr: 0.1, momentum: 0.9);
        var keys = optimizer.ParamGroups[0].Keys.ToList();
        var refused = Assert.Throws<DivideByZeroException>(
            () => new OneCycleLR(optimizer, maxLr: 0.1, totalSteps: 10, divFactor: divFactor, finalDivFactor: finalDivFactor));
        Assert.Equal("division by zero", refused.Message);
        Assert.Equal(keys, optimizer.ParamGroups[0].Keys);
        Assert.Equal(0.1, optimizer.ParamGroups[0].Lr);
    }

    [Fact]
    public void StateDictIsACopy()
    {
        var optimizer = TwoGroups();
        var scheduler = new MultiStepLR(optimizer, [2, 2, 5]);
        var stateDict = scheduler.StateDict();
        ((Counter)stateDict["milestones"]!)[2] = 10;
        ((List<object?>)stateDict["base_lrs"]!)[0] = 99.0;
        stateDict["gamma"] = 0.5;
        Assert.Equal(2, scheduler.Milestones[2]);
        Assert.Equal(0.1, scheduler.BaseLrs[0].Value);
        Assert.Equal(0.1, scheduler.StateDict()["gamma"]);
    }

    [Fact]
    public void LoadingABadStateDictChangesNothing()
    {
        var optimizer = TwoGroups();
        var scheduler = new StepLR(optimizer, stepSize: 3);
        var before = scheduler.StateDict();
        var bad = scheduler.StateDict();
        bad["gamma"] = 0.5;
        bad["last_epoch"] = "seven";
        var ex = Assert.Throws<ArgumentException>(() => scheduler.LoadStateDict(bad));
        Assert.Contains("last_epoch", ex.Message);
        Assert.Equal(before["gamma"], scheduler.StateDict()["gamma"]);

        var chained = new ChainedScheduler([new ExponentialLR(optimizer, 0.9), new StepLR(optimizer, 2)]);
        var nested = chained.StateDict();
        var second = (OrderedDictionary<string, object?>)((List<object?>)nested["_schedulers"]!)[1]!;
        ((OrderedDictionary<string, object?>)((List<object?>)nested["_schedulers"]!)[0]!)["gamma"] = 0.25;
        second["step_size"] = 2.5; // not an int: the whole load is refused, the first scheduler included
        Assert.Throws<ArgumentException>(() => chained.LoadStateDict(nested));
        Assert.Equal(0.9, chained.Schedulers[0].StateDict()["gamma"]);
    }

    [Fact]
    public void UnknownEntriesAreKeptAndWrittenBackAndTheInputIsNotChanged()
    {
        var scheduler = new CyclicLR(TwoGroups(momentum: 0.9), baseLr: 0.01, maxLr: 0.1);
        var stateDict = scheduler.StateDict();
        stateDict["verbose"] = false; // written by older PyTorch versions
        var keys = stateDict.Keys.ToList();
        scheduler.LoadStateDict(stateDict);
        Assert.Equal(keys, stateDict.Keys.ToList());
        var again = scheduler.StateDict();
        Assert.Equal(false, again["verbose"]);
        Assert.Equal(["verbose", "_scale_fn_custom"], again.Keys.TakeLast(2)); // as Python: the new attribute, then the entry written last
    }

    [Fact]
    public void StateOfAPythonCallableCannotBeLoadedIntoADelegate()
    {
        var scheduler = new LambdaLR(TwoGroups(), e => 0.9);
        var stateDict = scheduler.StateDict();
        Assert.Equal(new object?[] { null, null }, (List<object?>)stateDict["lr_lambdas"]!);
        stateDict["lr_lambdas"] = new List<object?> { new OrderedDictionary<string, object?> { ["value"] = 10 }, null };
        var ex = Assert.Throws<ArgumentException>(() => scheduler.LoadStateDict(stateDict));
        Assert.Contains("lr_lambdas", ex.Message);
    }

    [Fact]
    public void ASchedulerThatForgetsToInitializeFailsClearly()
    {
        var scheduler = new Uninitialized(TwoGroups());
        var ex = Assert.Throws<InvalidOperationException>(scheduler.Step);
        Assert.Contains("Initialize", ex.Message);
    }

    private sealed class Uninitialized(Optimizer optimizer) : LRScheduler(optimizer)
    {
        protected override IReadOnlyList<FloatOrTensor> ComputeLr() => BaseLrs;
    }

    /// <summary>A scheduler written outside the library, as SWALR-like code would be: its own field in the state dict.</summary>
    private sealed class HalvingEvery : LRScheduler
    {
        private int _every;

        public HalvingEvery(Optimizer optimizer, int every, int lastEpoch = -1) : base(optimizer)
        {
            _every = every;
            DeclareInt("every", () => _every, v => _every = v);
            Initialize(lastEpoch);
        }

        protected override IReadOnlyList<FloatOrTensor> ComputeLr()
            => BaseLrs.Select(b => b * Math.Pow(0.5, LastEpoch / _every)).ToList();
    }

    [Fact]
    public void CustomSchedulersGetTheBaseBehaviour()
    {
        var optimizer = TwoGroups();
        var scheduler = new HalvingEvery(optimizer, 2);
        using var warnings = new ThreadWarnings();
        scheduler.Step();
        Assert.Contains(warnings.Take(), w => w.Contains("before `optimizer.step()`"));
        for (int i = 0; i < 3; i++)
        {
            optimizer.Step();
            scheduler.Step();
        }
        Assert.Empty(warnings.Take());
        Assert.Equal(0.1 * 0.25, optimizer.ParamGroups[0].Lr);
        Assert.Equal(["every", "base_lrs", "last_epoch", "_step_count", "_is_initial", "_get_lr_called_within_step", "_last_lr"], scheduler.StateDict().Keys);
        _ = scheduler.GetLr();
        Assert.Contains(warnings.Take(), w => w.Contains("get_last_lr()"));

        var resumed = new HalvingEvery(optimizer, 2, lastEpoch: 4); // groups hold initial_lr by now
        Assert.Equal(5, resumed.LastEpoch);
    }

    [Fact]
    public void ContainersHaveNoEpochOrBaseLrsOfTheirOwn()
    {
        var optimizer = TwoGroups();
        var chained = new ChainedScheduler([new ConstantLR(optimizer), new ExponentialLR(optimizer, 0.9)]);
        Assert.Contains("last_epoch", Assert.Throws<InvalidOperationException>(() => chained.LastEpoch).Message);
        Assert.Contains("base_lrs", Assert.Throws<InvalidOperationException>(() => chained.BaseLrs).Message);
        var plateau = new ReduceLROnPlateau(optimizer);
        Assert.Throws<InvalidOperationException>(() => plateau.BaseLrs);
        Assert.Throws<ArgumentException>(plateau.Step);
        Assert.Throws<InvalidOperationException>(() => plateau.GetLr());
    }

    [Fact]
    public void PlateauStepTakesTheMetricAndATensorMetric()
    {
        var optimizer = TwoGroups();
        var plateau = new ReduceLROnPlateau(optimizer, patience: 0, factor: 0.5);
        plateau.Step(5); // an int metric, as Python's step(5)
        Assert.Equal(5.0, plateau.Best);
        plateau.Step(Torch.Scalar(6.0));
        Assert.Equal(0.05, optimizer.ParamGroups[0].Lr);
        Assert.Equal(2, plateau.LastEpoch);
    }

    [Fact]
    public void CosineWarmRestartsTakesFractionalEpochs()
    {
        var optimizer = TwoGroups();
        var scheduler = new CosineAnnealingWarmRestarts(optimizer, t0: 4);
        scheduler.Step(2.5);
        Assert.Equal(2.5, scheduler.TCur);
        Assert.Equal(2, scheduler.LastEpoch);
        Assert.Equal(2.5, scheduler.StateDict()["T_cur"]);
        scheduler.Step();
        Assert.Equal(3.5, scheduler.TCur);
        ((LRScheduler)scheduler).Step(5); // an int epoch keeps T_cur an int, as in Python
        Assert.Equal(1, scheduler.StateDict()["T_cur"]);
    }

    [Fact]
    public void PerGroupValuesAreCheckedAgainstTheGroups()
    {
        var optimizer = TwoGroups(momentum: 0.9);
        var ex = Assert.Throws<ArgumentException>(() => new CyclicLR(optimizer, baseLr: new[] { 0.01 }, maxLr: 0.1));
        Assert.Contains("base_lr has 1 values, param_groups has 2", ex.Message);
        Assert.Equal(0.1, optimizer.ParamGroups[0].Lr); // nothing was written
        Assert.False(optimizer.ParamGroups[0].ContainsKey("initial_lr"));
    }
}
