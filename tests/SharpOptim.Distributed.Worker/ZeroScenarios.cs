using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;

namespace SharpOptim.Distributed.Worker;

/// <summary>ZeRO against DDP with the unsharded optimizer: parameters, state dicts, resumption, memory.</summary>
internal static class ZeroScenarios
{
    private const int GlobalBatch = 32, Steps = 6, ResumedSteps = 3;

    /// <summary>Options that give the algorithms' state and kernels more to carry, by fixture prefix.</summary>
    private static readonly Dictionary<string, Func<OptimizerParams, Optimizer>> Configured = new()
    {
        ["sgd"] = ps => new SGD(ps, lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3),
        ["adam"] = ps => new Adam(ps, lr: 1e-2, weightDecay: 1e-3),
        ["adamw"] = ps => new AdamW(ps, lr: 1e-2, amsgrad: true),
        ["rmsprop"] = ps => new RMSprop(ps, lr: 1e-2, momentum: 0.5, centered: true),
        ["adagrad"] = ps => new Adagrad(ps, lr: 0.1, lrDecay: 1e-3),
        ["adafactor"] = ps => new Adafactor(ps, lr: 1e-2),
        ["muon"] = ps => new Muon(ps, lr: 1e-2),
        ["adadelta"] = ps => new Adadelta(ps, lr: 1.0),
        ["adamax"] = ps => new Adamax(ps, lr: 2e-3),
        ["asgd"] = ps => new ASGD(ps, lr: 0.1),
        ["nadam"] = ps => new NAdam(ps, lr: 2e-3, decoupledWeightDecay: true, weightDecay: 0.01),
        ["radam"] = ps => new RAdam(ps, lr: 3e-3),
        ["rprop"] = ps => new Rprop(ps, lr: 1e-2),
    };

    /// <summary>
    /// Every registered algorithm ZeRO shards (all but those that need a closure or sparse
    /// gradients), under its fixture prefix: as configured above, or else at its defaults with its
    /// training lr; on matrices only where the algorithm takes nothing else.
    /// </summary>
    private static IEnumerable<(string Name, Func<OptimizerParams, Optimizer> Make, bool MatricesOnly)> Optimizers()
        => OptimizerRegistry.All
            .Where(ZeroRedundancyOptimizer.CanShard)
            .Select(info => (info.FixturePrefix, Configured.GetValueOrDefault(info.FixturePrefix) ?? (ps => info.Create(ps, lr: info.TrainingLr)), info.MatricesOnly));

    /// <param name="args">[0]: a folder all ranks can read and write; [1] (optional): where rank 0 writes the golden Adam checkpoint.</param>
    public static void Run(string[] args)
    {
        string folder = args[0];
        string? golden = args.Length > 1 ? args[1] : null;
        var stale = Configured.Keys.Except(Optimizers().Select(o => o.Name)).ToArray();
        Check.True(stale.Length == 0, $"configured but not a registered algorithm ZeRO shards: {string.Join(", ", stale)}");
        foreach (var (name, make, matricesOnly) in Optimizers())
            Compare(name, make, matricesOnly, folder, name == "adam" ? golden : null);
        MemoryIsSharded();
        Refusals();
        Check.Report("zero", "ok", allRanks: true);
    }

    private static void Compare(string name, Func<OptimizerParams, Optimizer> make, bool matricesOnly, string folder, string? golden)
    {
        int rank = Dist.GetRank(), size = Dist.GetWorldSize();
        using var ddpA = new DistributedDataParallel(Problem.Model(seed: 11));
        using var ddpB = new DistributedDataParallel(Problem.Model(seed: 11));
        List<Parameter> Select(Module m) => m.Parameters().Where(p => !matricesOnly || p.Dim == 2).ToList();
        var unsharded = make(Select(ddpA));
        var zero = new ZeroRedundancyOptimizer(Select(ddpB), make);
        var schedA = new StepLR(unsharded, stepSize: 2, gamma: 0.5);
        var schedB = new StepLR(zero, stepSize: 2, gamma: 0.5);
        int hookCalls = 0;
        zero.RegisterStepPostHook((_, _) => hookCalls++);
        for (int step = 0; step < Steps; step++)
        {
            TrainStep(ddpA, unsharded, step);
            schedA.Step();
            TrainStep(ddpB, zero, step);
            schedB.Step();
            CheckBitIdentical(ddpA, ddpB, $"{name} step {step}");
        }
        Check.Equal(Steps, hookCalls, $"{name}: step post-hooks on ZeroRedundancyOptimizer");
        Check.Equal(unsharded.ParamGroups[0].Lr, zero.ParamGroups[0].Lr, $"{name}: the scheduler's lr");

        zero.ConsolidateStateDict(to: 0);
        string path = Path.Combine(folder, $"zero_{name}_{size}.pt");
        if (rank == 0)
        {
            var consolidated = zero.StateDict();
            Check.True(Bytes(consolidated).AsSpan().SequenceEqual(Bytes(unsharded.StateDict())), $"{name}: the consolidated state dict equals the unsharded optimizer's (as saved bytes)");
            Torch.Save(consolidated, path);
        }
        else Check.Throws<InvalidOperationException>(() => zero.StateDict(), "consolidate_state_dict(to=", $"{name}: state dict on a rank it was not consolidated to");
        Dist.Barrier();

        // Resume: every rank loads the whole dict into a fresh ZeRO over the same parameters.
        var resumed = new ZeroRedundancyOptimizer(Select(ddpB), make);
        resumed.LoadStateDict(Torch.Load<IReadOnlyDictionary<string, object?>>(path));
        var gradsFed = new List<object?>();
        var expected = new List<object?>();
        for (int step = Steps; step < Steps + ResumedSteps; step++)
        {
            TrainStep(ddpA, unsharded, step, beforeStep: () => gradsFed.Add(Select(ddpA).Select(p => (object?)p.Grad!.Clone()).ToList()));
            expected.Add(Select(ddpA).Select(p => (object?)p.Clone()).ToList());
            TrainStep(ddpB, resumed, step);
            CheckBitIdentical(ddpA, ddpB, $"{name} resumed step {step}");
        }
        Check.Report($"zero_{name}", "bit-identical", allRanks: true);
        if (golden is not null && rank == 0) WriteGolden(golden, path, gradsFed, expected);
    }

    /// <summary>
    /// The consolidated Adam state dict with what PyTorch needs to continue from it: the
    /// parameters at that point (the continuation's starting values), the gradients fed to the
    /// following steps, and the parameters SharpOptim reached after each.
    /// </summary>
    private static void WriteGolden(string golden, string consolidatedPath, List<object?> grads, List<object?> expected)
    {
        var optimizer = Torch.Load<IReadOnlyDictionary<string, object?>>(consolidatedPath);
        var content = new OrderedDictionary<string, object?>
        {
            ["optimizer"] = optimizer,
            ["params_before"] = ParamsBefore,
            ["grads"] = grads,
            ["params_after"] = expected,
        };
        Torch.Save(content, golden);
    }

    /// <summary>The unsharded run's parameters when the state was consolidated (set by <see cref="TrainStep"/> before the first resumed step).</summary>
    private static List<object?>? ParamsBefore;

    private static void TrainStep(DistributedDataParallel ddp, Optimizer optimizer, int step, Action? beforeStep = null)
    {
        var batch = Problem.Shard(Problem.GlobalBatch(step, GlobalBatch), Dist.GetRank(), Dist.GetWorldSize());
        if (beforeStep is not null && step == Steps) ParamsBefore = optimizer.ParamGroups.SelectMany(g => g.Params).Select(p => (object?)p.Clone()).ToList();
        optimizer.ZeroGrad();
        Problem.Loss(ddp, batch).Backward();
        beforeStep?.Invoke();
        optimizer.Step();
    }

    private static void CheckBitIdentical(Module a, Module b, string what)
    {
        var x = Problem.Flat(a);
        var y = Problem.Flat(b);
        for (int i = 0; i < x.Length; i++)
            if (BitConverter.SingleToInt32Bits(x[i]) != BitConverter.SingleToInt32Bits(y[i]))
                throw new InvalidOperationException($"{what}: element {i} is {y[i]:R} with ZeRO, {x[i]:R} unsharded");
    }

    private static byte[] Bytes(OptimizerStateDict stateDict)
    {
        using var stream = new MemoryStream();
        Torch.Save(stateDict, stream);
        return stream.ToArray();
    }

    /// <summary>Eight equal matrices: Adam's state per rank is 1/N of the unsharded state.</summary>
    private static void MemoryIsSharded()
    {
        int size = Dist.GetWorldSize();
        Torch.ManualSeed(5);
        var layers = Enumerable.Range(0, 8).Select(_ => (Tensor)new Parameter(Torch.Randn(64, 64))).ToList();
        var unsharded = new Adam(layers, lr: 1e-3);
        var zero = new ZeroRedundancyOptimizer(layers, ps => new Adam(ps, lr: 1e-3));
        foreach (var p in layers) p.Grad = Torch.OnesLike(p);
        unsharded.Step();
        zero.Step();
        long full = ZeroRedundancyOptimizer.StateBytes(unsharded);
        long mine = zero.LocalStateBytes;
        var all = Torch.Zeros([size], DType.Int64);
        all.AsSpan<long>()[Dist.GetRank()] = mine;
        Dist.AllReduce_(all);
        long largest = all.ToArray<long>().Max();
        Check.Equal(full, all.ToArray<long>().Sum(), "the ranks' state adds up to the unsharded state");
        Check.True(largest * size <= full * 1.01, $"largest rank's state {largest} bytes is about 1/{size} of {full}");
        Check.Report("zero_state_bytes", $"unsharded={full} per_rank=[{string.Join(",", all.ToArray<long>())}] ratio={(double)largest / full:F4}");
    }

    private static void Refusals()
    {
        var p = new Parameter(Torch.Ones(3));
        var zero = new ZeroRedundancyOptimizer([p], ps => new SGD(ps, lr: 0.1));
        zero.AddParamGroup(new ParamGroup([new Parameter(Torch.Ones(2))]));
        Check.Throws<InvalidOperationException>(() => zero.Step(), "does not support AddParamGroup after construction", "a group added after construction");
        Check.Throws<NotSupportedException>(() => _ = new ZeroRedundancyOptimizer([p], ps => new LBFGS(ps)), "cannot shard LBFGS", "LBFGS refused");
        Check.Throws<NotSupportedException>(() => _ = new ZeroRedundancyOptimizer([p], ps => new SparseAdam(ps)), "cannot shard SparseAdam", "SparseAdam refused");
    }
}
