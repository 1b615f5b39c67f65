using SharpOptim.Optim;

namespace SharpOptim.Distributed;

/// <summary>
/// PyTorch's <c>torch.distributed.optim.ZeroRedundancyOptimizer</c> (ZeRO stage 1): the
/// parameters are partitioned over the ranks (sorted-greedy by size, as PyTorch), each rank
/// holds a local optimizer over its partition only — and so about 1/N of the optimizer state —
/// and steps it; then the updated parameters are shared by one all-gather. Since the
/// element-wise algorithms update each parameter on its own, the result equals the unsharded
/// optimizer's bit for bit. It is itself an <see cref="Optimizer"/>: its
/// <see cref="Optimizer.ParamGroups"/> are the unsharded optimizer's groups (schedulers and
/// hooks work on them), copied to the local optimizer before each step and back after it.
/// <para><c>new ZeroRedundancyOptimizer(ddp.Parameters(), ps => new Adam(ps, lr: 1e-3))</c> is
/// PyTorch's <c>ZeroRedundancyOptimizer(ddp.parameters(), torch.optim.Adam, lr=1e-3)</c>: the
/// factory gets the parameters (or groups) to optimize and adds the keyword arguments.</para>
/// <para>An algorithm whose registry entry needs a closure (LBFGS) or sparse gradients
/// (SparseAdam) is refused (see <see cref="Refuse"/>).</para>
/// </summary>
public sealed partial class ZeroRedundancyOptimizer : Optimizer
{
    private readonly Optimizer _local;
    private readonly List<Tensor>[][] _partition;   // [rank][group]
    private readonly Dictionary<Tensor, int> _rankOf = new(ReferenceEqualityComparer.Instance);
    private readonly FlatParameterSync _sync;
    private readonly int _rank;

    /// <param name="parameters">Tensors, (name, tensor) pairs or <see cref="ParamGroup"/>s, as any optimizer takes.</param>
    /// <param name="optimizerClass">Makes the optimizer from parameters or groups (PyTorch's <c>optimizer_class</c> with its <c>**defaults</c>).</param>
    public ZeroRedundancyOptimizer(OptimizerParams parameters, Func<OptimizerParams, Optimizer> optimizerClass)
        : base(parameters, Template(parameters, optimizerClass).Defaults)
    {
        Dist.RequireInit();
        _rank = Dist.GetRank();
        int worldSize = Dist.GetWorldSize();
        _partition = ParameterPartition.SortedGreedy(ParamGroups.Select(g => g.Params).ToList(), worldSize);
        for (int r = 0; r < worldSize; r++)
            foreach (var group in _partition[r])
                foreach (var p in group) _rankOf[p] = r;
        _local = optimizerClass(LocalGroups());
        _sync = new FlatParameterSync(_partition.Select(groups => groups.SelectMany(g => g).ToList()).ToArray(), _rank);
    }

    /// <summary>The optimizer over this rank's partition (PyTorch's <c>zero.optim</c>).</summary>
    public Optimizer Optim => _local;

    /// <summary>Bytes of the optimizer state this rank holds (its partition's state tensors).</summary>
    public long LocalStateBytes => StateBytes(_local);

    /// <summary>Bytes of the state tensors of any optimizer (to compare with an unsharded one).</summary>
    public static long StateBytes(Optimizer optimizer)
    {
        long bytes = 0;
        foreach (var state in optimizer.State.Values)
            foreach (var value in state.Values)
                if (value is Tensor { IsSparse: false } t) bytes += t.AsBytes().Length;
        return bytes;
    }

    /// <summary>Steps the local optimizer over this rank's partition, then gives every rank every updated parameter.</summary>
    protected override Tensor? StepImpl(Func<Tensor>? closure)
    {
        if (ParamGroups.Count != _local.ParamGroups.Count)
            throw new InvalidOperationException("ZeroRedundancyOptimizer does not support AddParamGroup after construction: its partition covers the groups it was built with. Build a new one over all groups.");
        SyncOptions(ParamGroups, _local.ParamGroups);
        var loss = _local.Step(closure);
        _sync.Run();
        SyncOptions(_local.ParamGroups, ParamGroups);
        return loss;
    }

    /// <summary>Never called: <see cref="StepImpl"/> steps the local optimizer instead of the groups.</summary>
    protected override void StepGroup(ParamGroup group) => throw new InvalidOperationException("ZeroRedundancyOptimizer steps through its local optimizer");

    /// <summary>PyTorch's <c>_sync_param_groups</c>: every option but the parameters (and their names).</summary>
    private static void SyncOptions(IReadOnlyList<ParamGroup> from, IReadOnlyList<ParamGroup> to)
    {
        for (int g = 0; g < from.Count; g++)
            foreach (var (key, value) in from[g])
                if (key != "param_names") to[g][key] = value;
    }

    /// <summary>This rank's share of each group, with the group's options (an empty group where it owns none).</summary>
    private List<ParamGroup> LocalGroups()
    {
        var groups = new List<ParamGroup>();
        for (int g = 0; g < ParamGroups.Count; g++)
        {
            var global = ParamGroups[g];
            var mine = _partition[_rank][g];
            ParamGroup local;
            if (global.ParamNames is { } names)
            {
                var index = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
                for (int i = 0; i < global.Params.Count; i++) index.TryAdd(global.Params[i], i);
                local = new ParamGroup([.. mine.Select(p => (names[index[p]], p))]);
            }
            else local = new ParamGroup(mine);
            foreach (var (key, value) in global)
                if (key != "param_names") local[key] = value;
            groups.Add(local);
        }
        return groups;
    }

    /// <summary>
    /// The unsharded optimizer over copies of the groups (its constructor fills and checks them,
    /// and gives the defaults this optimizer's groups are filled from, in the same order), then
    /// dropped: it holds no state before a step.
    /// </summary>
    private static Optimizer Template(OptimizerParams items, Func<OptimizerParams, Optimizer> optimizerClass)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(optimizerClass);
        var copies = OptimizerParams.FromItems(items.Select(item => item.Group is { } g ? Copy(g) : item));
        var template = optimizerClass(copies) ?? throw new ArgumentException("optimizerClass returned null", nameof(optimizerClass));
        Refuse(template);
        return template;
    }

    private static ParamGroup Copy(ParamGroup group)
    {
        var copy = group.ParamNames is { } names ? new ParamGroup([.. names.Zip(group.Params)]) : new ParamGroup([.. group.Params]);
        foreach (var (key, value) in group)
            if (key != "param_names") copy[key] = value;
        return copy;
    }

    /// <summary>
    /// Whether ZeroRedundancyOptimizer can shard the algorithm of <paramref name="info"/>: one that
    /// needs no closure, no sparse gradients and no train/eval modes (see <see cref="Refuse"/>).
    /// </summary>
    /// <param name="info">The algorithm's registry entry.</param>
    public static bool CanShard(OptimizerInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return !info.StepRequiresClosure && !info.SparseGradientsOnly && !info.SwitchesTrainEvalModes;
    }

    /// <summary>
    /// Refuses an algorithm whose <see cref="OptimizerRegistry"/> entry says it cannot be sharded:
    /// one that needs a closure (LBFGS: its step is a line search over all parameters as one
    /// vector, so every rank would need every parameter's state) or sparse gradients (SparseAdam:
    /// DistributedDataParallel over MPI reduces dense gradients only) or train/eval modes
    /// (Schedule-Free: the shards' optimizers would each need Train() and Eval(), which this
    /// wrapper does not forward). Read from the registry, so an algorithm added with any of these
    /// needs is refused too.
    /// </summary>
    internal static void Refuse(Optimizer optimizer)
    {
        var info = OptimizerRegistry.All.FirstOrDefault(i => i.Type.IsInstanceOfType(optimizer));
        if (info is null || CanShard(info)) return;
        if (info.StepRequiresClosure)
            throw new NotSupportedException($"ZeroRedundancyOptimizer cannot shard {info.Name}: its step needs a closure that re-evaluates the loss over all parameters as one vector, so every rank would need every parameter's state. Use {info.Name} unsharded.");
        if (info.SparseGradientsOnly)
            throw new NotSupportedException($"ZeroRedundancyOptimizer cannot shard {info.Name}: it needs sparse gradients, which DistributedDataParallel over MPI does not reduce. Use a dense-gradient optimizer (Adam), or {info.Name} on one process.");
        if (info.SwitchesTrainEvalModes)
            throw new NotSupportedException($"ZeroRedundancyOptimizer cannot shard {info.Name}: it needs train and eval modes (Train() before stepping, Eval() before evaluating), which ZeroRedundancyOptimizer does not forward to the shards' optimizers. Use {info.Name} unsharded.");
    }
}
