using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Zero bytes allocated per steady-state step on the kernel path: after a few warm-up
/// steps (state creation, first-use buffers), a step of every kernel path allocates nothing, for a
/// group of small tensors (run inline) and for one large enough to run on the kernel workers.
/// Allocation is counted on the calling thread, which is deterministic (the workers themselves run
/// only the kernels' span code). This asserts an allocation count, not a time.
/// </summary>
[Collection(IsolatedTestsCollection.Name)]
public class KernelAllocationTests
{
    /// <summary>The kernel paths a configuration is measured on, where its algorithm has them.</summary>
    internal static readonly ImplementationChoice[] KernelChoices = [ImplementationChoice.Default, ImplementationChoice.ForEach, ImplementationChoice.Fused];

    public static TheoryData<string, ImplementationChoice> Cases()
    {
        var data = new TheoryData<string, ImplementationChoice>();
        foreach (var (name, configuration) in Factories)
            foreach (var choice in KernelChoices.Where(configuration.Info.Supports)) data.Add(name, choice);
        return data;
    }

    /// <summary>Builds a configuration with the given implementation flags.</summary>
    internal delegate Optimizer Factory(Tensor[] ps, bool? forEach, bool? fused);

    /// <summary>
    /// Options that reach kernel branches the defaults leave untried, named as
    /// tools/golden/duplicate_params.py records them: the algorithm's fixture prefix, then the
    /// variant after '-'.
    /// </summary>
    private static readonly Dictionary<string, Factory> Configured = new()
    {
        ["sgd"] = (ps, fe, fu) => new SGD(ps, lr: 0.01, momentum: 0.9, weightDecay: 0.01, @foreach: fe, fused: fu),
        ["sgd-nesterov"] = (ps, fe, fu) => new SGD(ps, lr: 0.01, momentum: 0.9, nesterov: true, maximize: true, @foreach: fe, fused: fu),
        ["adam"] = (ps, fe, fu) => new Adam(ps, weightDecay: 0.01, @foreach: fe, fused: fu),
        ["adam-amsgrad"] = (ps, fe, fu) => new Adam(ps, amsgrad: true, maximize: true, @foreach: fe, fused: fu),
        ["adagrad"] = (ps, fe, fu) => new Adagrad(ps, lrDecay: 0.01, weightDecay: 0.01, @foreach: fe, fused: fu),
        ["adadelta"] = (ps, fe, _) => new Adadelta(ps, weightDecay: 0.01, @foreach: fe),
        ["adamax"] = (ps, fe, _) => new Adamax(ps, weightDecay: 0.01, @foreach: fe),
        ["asgd"] = (ps, fe, _) => new ASGD(ps, t0: 2, weightDecay: 0.01, @foreach: fe),
        ["nadam"] = (ps, fe, _) => new NAdam(ps, weightDecay: 0.01, @foreach: fe),
        ["nadam-decoupled"] = (ps, fe, _) => new NAdam(ps, weightDecay: 0.01, decoupledWeightDecay: true, @foreach: fe),
        ["radam"] = (ps, fe, _) => new RAdam(ps, weightDecay: 0.01, @foreach: fe),
        ["rmsprop"] = (ps, fe, _) => new RMSprop(ps, weightDecay: 0.01, @foreach: fe),
        ["rmsprop-centered-momentum"] = (ps, fe, _) => new RMSprop(ps, momentum: 0.9, centered: true, @foreach: fe),
        ["adafactor"] = (ps, fe, fu) => new Adafactor(ps, weightDecay: 0.01, @foreach: fe, fused: fu),
    };

    /// <summary>
    /// Every registered algorithm with a kernel path and dense gradients, in the registry's order:
    /// its configurations above, or else its defaults (the registry's factory) under its fixture prefix.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, (OptimizerInfo Info, Factory Create)> Factories = Enrol();

    private static OrderedDictionary<string, (OptimizerInfo Info, Factory Create)> Enrol()
    {
        var factories = new OrderedDictionary<string, (OptimizerInfo, Factory)>();
        foreach (var info in OptimizerRegistry.All.Where(i => i.Supports(ImplementationChoice.ForEach) && !i.SparseGradientsOnly))
        {
            var configured = Configured.Where(c => c.Key.Split('-')[0] == info.FixturePrefix).ToArray();
            if (configured.Length == 0) factories[info.FixturePrefix] = (info, (ps, fe, fu) => info.Create(ps, fe, fu));
            foreach (var (name, create) in configured) factories[name] = (info, create);
        }
        return factories;
    }

    /// <summary>A configuration whose name matches no registered kernel algorithm would silently go unmeasured.</summary>
    [Fact]
    public void EveryConfigurationIsOfARegisteredKernelAlgorithm()
        => Assert.Empty(Configured.Keys.Except(Factories.Keys));

    /// <summary>A configuration on <paramref name="choice"/>: its algorithm's flags for it.</summary>
    internal static Optimizer Create(string configuration, Tensor[] ps, ImplementationChoice choice)
    {
        var (info, create) = Factories[configuration];
        var flags = info.FlagsFor(choice);
        return create(ps, flags.ForEach, flags.Fused);
    }

    /// <summary>
    /// Many small tensors (inline) or a few large ones (the kernel workers); matrices, as Muon and
    /// Adafactor's factored path need. Muon's large case is one 2048×64 matrix: as many elements as
    /// one 512×256 (its element passes and its Newton–Schulz products still reach the workers), at
    /// a fourteenth of the 512×256 group's matrix-product work, which dominates a Debug test run.
    /// </summary>
    internal static Tensor[] Params(string algorithm, bool large)
    {
        var generator = new Generator(3);
        var shapes = !large ? Enumerable.Repeat(new[] { 7, 5 }, 50)
                   : algorithm == "muon" ? [[2048, 64]]
                   : Enumerable.Repeat(new[] { 512, 256 }, 3);
        return shapes.Select(shape =>
        {
            var p = Torch.Randn(shape, generator: generator).RequiresGrad_();
            p.Grad = Torch.Randn(shape, generator: generator);
            return p;
        }).ToArray();
    }

    /// <summary>
    /// Bytes <paramref name="steps"/> allocate on this thread: the least of three runs. An
    /// allocation in the steps shows in every run; what shows in one run only is the runtime's
    /// accounting, which now and then, in full test runs, charged a thread a few hundred to a few
    /// thousand bytes (never the same amount, always under one 8 KB allocation context) while it
    /// allocated nothing of its own.
    /// </summary>
    internal static long AllocatedBy(Action steps)
    {
        long least = long.MaxValue;
        for (int run = 0; run < 3 && least > 0; run++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            steps();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SteadyStateStepAllocatesNothing(string algorithm, ImplementationChoice path)
    {
        foreach (bool large in new[] { false, true })
        {
            var optimizer = Create(algorithm, Params(algorithm, large), path);
            for (int i = 0; i < 5; i++) optimizer.Step();
            long allocated = AllocatedBy(() => { for (int i = 0; i < 10; i++) optimizer.Step(); });
            Assert.True(allocated == 0, $"{algorithm} ({path}, {(large ? "large tensors" : "small tensors")}) allocated {allocated} bytes in 10 steps");
        }
    }

    /// <summary>
    /// A step with hooks registered (instance and global, pre and post) allocates nothing either
    /// beyond what the hooks themselves do: the hook lists are immutable arrays read without a
    /// copy, and the hooks' argument record is reused while the closure is the same.
    /// </summary>
    [Fact]
    public void SteadyStateStepWithHooksAllocatesNothing()
    {
        var optimizer = Create("adam", Params("adam", large: false), ImplementationChoice.Default);
        int calls = 0;
        StepPreHook pre = (_, _) => { calls++; return null; };
        StepPostHook post = (_, _) => calls++;
        using var instancePre = optimizer.RegisterStepPreHook(pre);
        using var instancePost = optimizer.RegisterStepPostHook(post);
        using var globalPre = Optimizer.RegisterOptimizerStepPreHook(pre);
        using var globalPost = Optimizer.RegisterOptimizerStepPostHook(post);
        for (int i = 0; i < 5; i++) optimizer.Step();
        long allocated = AllocatedBy(() => { for (int i = 0; i < 10; i++) optimizer.Step(); });
        Assert.True(allocated == 0, $"a step with hooks allocated {allocated} bytes in 10 steps");
        Assert.True(calls >= 4 * 15, "the hooks did not run on every step");
    }

    /// <summary>
    /// A sparse gradient with <paramref name="entries"/> random rows of a rows×width weight: with
    /// repeated rows in entry order as Embedding's backward makes them, or coalesced.
    /// </summary>
    private static Tensor SparseGrad(int rows, int width, int entries, bool coalesced, Generator generator)
    {
        var indices = Torch.Tensor(Enumerable.Range(0, entries).Select(_ => generator.NextInt64(rows)).ToArray(), [1, entries]);
        var grad = Torch.SparseCooTensor(indices, Torch.Randn([entries, width], generator: generator), [rows, width]);
        return coalesced ? grad.Coalesce() : grad;
    }

    /// <summary>The algorithms that take sparse gradients only (SparseAdam), on their kernel paths.</summary>
    public static TheoryData<string, ImplementationChoice> SparseCases()
    {
        var data = new TheoryData<string, ImplementationChoice>();
        foreach (var info in OptimizerRegistry.All.Where(i => i.SparseGradientsOnly))
            foreach (var choice in KernelChoices.Where(info.Supports)) data.Add(info.Name, choice);
        return data;
    }

    /// <summary>
    /// SparseAdam on sparse gradients: a step allocates nothing beyond the gradient (made by the
    /// caller, so made here before measuring: each param cycles through prepared gradients).
    /// Uncoalesced gradients (repeated rows merged by the kernel) and coalesced ones; many small
    /// params (inline) or one with enough touched elements for the kernel workers.
    /// </summary>
    [Theory]
    [MemberData(nameof(SparseCases))]
    public void SparseGradientStepAllocatesNothing(string algorithm, ImplementationChoice path)
    {
        foreach (bool large in new[] { false, true })
            foreach (bool coalesced in new[] { false, true })
            {
                var generator = new Generator(5);
                var (count, rows, width, entries) = large ? (1, 20000, 64, 4000) : (20, 30, 4, 6);
                var ps = Enumerable.Range(0, count).Select(_ => Torch.Randn([rows, width], generator: generator).RequiresGrad_()).ToArray();
                var grads = ps.Select(_ => Enumerable.Range(0, 3).Select(_ => SparseGrad(rows, width, entries, coalesced, generator)).ToArray()).ToArray();
                var optimizer = OptimizerRegistry.Get(algorithm).Create(ps, path);
                void Step(int k)
                {
                    for (int i = 0; i < ps.Length; i++) ps[i].Grad = grads[i][k % 3];
                    optimizer.Step();
                }
                for (int k = 0; k < 5; k++) Step(k);
                int next = 5;
                long allocated = AllocatedBy(() => { for (int end = next + 10; next < end; next++) Step(next); });
                Assert.True(allocated == 0, $"{algorithm} ({path}, {(large ? "large" : "small")}, {(coalesced ? "coalesced" : "uncoalesced")} gradients) allocated {allocated} bytes in 10 steps");
            }
    }
}
