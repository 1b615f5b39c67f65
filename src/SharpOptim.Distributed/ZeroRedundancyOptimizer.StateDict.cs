using System.Collections;
using System.Globalization;
using SharpOptim.Optim;

namespace SharpOptim.Distributed;

// The consolidated state dict: each rank's local state dict gathered on one rank and renumbered
// into the unsharded optimizer's layout; loading gives each rank its own partition's entries.
public sealed partial class ZeroRedundancyOptimizer
{
    private OptimizerStateDict[]? _allStateDicts;

    /// <summary>
    /// Gathers every rank's local optimizer state on rank <paramref name="to"/> (all ranks must
    /// call it); afterwards <see cref="StateDict"/> on that rank gives the whole state.
    /// </summary>
    public unsafe void ConsolidateStateDict(int to = 0)
    {
        int size = Dist.GetWorldSize();
        if (to < 0 || to >= size) throw new ArgumentOutOfRangeException(nameof(to), to, $"rank must be in [0, {size})");
        var local = _local.StateDict();
        byte[] mine = [];
        if (_rank != to)
        {
            using var stream = new MemoryStream();
            Torch.Save(local, stream);
            mine = stream.ToArray();
        }
        var counts = new int[size];
        int length = mine.Length;
        fixed (int* c = counts) Mpi.Mpi.Gather(&length, c, sizeof(int), to);
        var displacements = new int[size];
        for (int r = 1; r < size; r++) displacements[r] = checked(displacements[r - 1] + counts[r - 1]);
        var all = new byte[_rank == to ? displacements[^1] + counts[^1] : 0];
        fixed (byte* send = mine)
        fixed (byte* receive = all)
        fixed (int* c = counts)
        fixed (int* d = displacements)
            Mpi.Mpi.GatherV(send, mine.Length, receive, c, d, to);
        if (_rank != to)
        {
            _allStateDicts = null;
            return;
        }
        _allStateDicts = new OptimizerStateDict[size];
        for (int r = 0; r < size; r++)
        {
            if (r == to) { _allStateDicts[r] = local; continue; }
            using var stream = new MemoryStream(all, displacements[r], counts[r]);
            _allStateDicts[r] = OptimizerStateDict.FromLoaded(Torch.Load<IReadOnlyDictionary<string, object?>>(stream));
        }
    }

    /// <summary>
    /// The whole optimizer state, exactly as the unsharded optimizer's <c>StateDict()</c> would
    /// give it (PyTorch's <c>torch.optim</c> class loads it), on the rank that
    /// <see cref="ConsolidateStateDict"/> gathered to, as of that call.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not consolidated on this rank.</exception>
    public override OptimizerStateDict StateDict()
    {
        if (_allStateDicts is null)
            throw new InvalidOperationException($"Optimizer state has not been consolidated on this rank. Please call `consolidate_state_dict(to={_rank})` on all ranks beforehand if you meant to save the global state.");
        var result = base.StateDict();
        var globalIndex = GlobalIndices();
        var entries = new SortedDictionary<int, OrderedDictionary<string, object?>>();
        for (int r = 0; r < _allStateDicts.Length; r++)
        {
            var local = _allStateDicts[r];
            for (int g = 0; g < local.ParamGroups.Count; g++)
            {
                var localIds = Ids(local.ParamGroups[g]["params"]);
                var globalParams = _partition[r][g];
                for (int i = 0; i < localIds.Count; i++)
                    if (local.State.TryGetValue(localIds[i], out var state)) entries[globalIndex[globalParams[i]]] = state;
            }
        }
        result.State.Clear();
        foreach (var (index, state) in entries) result.State[index] = state;
        return result;
    }

    /// <summary>
    /// Loads a whole state dict (the unsharded optimizer's, or a consolidated one) on every rank:
    /// each rank's local optimizer takes its partition's entries, the groups take the options.
    /// Everything is checked before anything changes.
    /// </summary>
    public override void LoadStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (stateDict.ParamGroups.Count != ParamGroups.Count)
            throw new ArgumentException("loaded state dict has a different number of parameter groups", nameof(stateDict));
        var paramOf = new Dictionary<int, Tensor>();
        for (int g = 0; g < ParamGroups.Count; g++)
        {
            if (!stateDict.ParamGroups[g].TryGetValue("params", out var idsValue))
                throw new ArgumentException($"loaded state dict's param group {g} has no 'params' entry", nameof(stateDict));
            var ids = Ids(idsValue);
            if (ids.Count != ParamGroups[g].Params.Count)
                throw new ArgumentException("loaded state dict contains a parameter group that doesn't match the size of optimizer's group", nameof(stateDict));
            for (int i = 0; i < ids.Count; i++) paramOf[ids[i]] = ParamGroups[g].Params[i];
        }

        var localIndex = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        var localGroups = new List<OrderedDictionary<string, object?>>();
        int next = 0;
        for (int g = 0; g < ParamGroups.Count; g++)
        {
            var options = new OrderedDictionary<string, object?>();
            foreach (var (key, value) in stateDict.ParamGroups[g])
                if (key is not ("params" or "param_names")) options[key] = value;
            var ids = new List<int>();
            foreach (var p in _partition[_rank][g])
            {
                localIndex[p] = next;
                ids.Add(next++);
            }
            options["params"] = ids;
            localGroups.Add(options);
        }
        var localState = new OrderedDictionary<object, OrderedDictionary<string, object?>>();
        foreach (var (key, value) in stateDict.State)
        {
            if (key is not int id || !paramOf.TryGetValue(id, out var param))
                throw new ArgumentException($"loaded state dict has state for parameter {key}, which is not in any of its param groups", nameof(stateDict));
            if (_rankOf[param] == _rank) localState[localIndex[param]] = value;
        }

        _local.LoadStateDict(new OptimizerStateDict(localState, localGroups));
        base.LoadStateDict(new OptimizerStateDict(new(), stateDict.ParamGroups));
        SyncOptions(ParamGroups, _local.ParamGroups);
    }

    private Dictionary<Tensor, int> GlobalIndices()
    {
        var index = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        int start = 0;
        foreach (var group in ParamGroups)
        {
            for (int i = 0; i < group.Params.Count; i++) index.TryAdd(group.Params[i], start + i);
            start += group.Params.Count;
        }
        return index;
    }

    private static List<int> Ids(object? value) => value switch
    {
        List<int> l => l,
        IEnumerable e => e.Cast<object?>().Select(x => Convert.ToInt32(x, CultureInfo.InvariantCulture)).ToList(),
        _ => throw new ArgumentException($"a param group's 'params' is {value?.GetType().Name ?? "null"}, not a list of indices"),
    };
}
