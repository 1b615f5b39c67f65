using System.Globalization;
namespace SharpOptim.Optim;

// state_dict() and load_state_dict() in PyTorch's exact layout. Loading validates everything
// and builds the new state and groups aside; only then does it swap them in, so a bad dict
// leaves the optimizer untouched.
public abstract partial class Optimizer
{
    /// <summary>
    /// The state as PyTorch packs it: parameters replaced by their index (in group order, a
    /// repeated parameter keeping its first index), the per-parameter state dictionaries
    /// themselves (not copies, as PyTorch), and each group's options followed by <c>"params"</c>.
    /// </summary>
    public virtual OptimizerStateDict StateDict()
    {
        foreach (var entry in _stateDictPreHooks.Snapshot()) entry.Hook(this);
        var index = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        var packedGroups = new List<OrderedDictionary<string, object?>>();
        int start = 0;
        foreach (var group in _paramGroups)
        {
            var packed = new OrderedDictionary<string, object?>();
            foreach (var (key, value) in group) packed[key] = value;
            var ids = new List<int>();
            for (int i = 0; i < group.Params.Count; i++)
            {
                var p = group.Params[i];
                if (!index.TryGetValue(p, out int id)) index[p] = id = start + i;
                ids.Add(id);
            }
            packed["params"] = ids;
            packedGroups.Add(packed);
            start += group.Params.Count;
        }
        var packedState = new OrderedDictionary<object, OrderedDictionary<string, object?>>();
        foreach (var (param, state) in State)
        {
            if (!index.TryGetValue(param, out int id))
                throw new InvalidOperationException("the optimizer holds state for a tensor that is in none of its parameter groups");
            packedState[id] = state;
        }
        var result = new OptimizerStateDict(packedState, packedGroups);
        foreach (var entry in _stateDictPostHooks.Snapshot()) result = entry.Hook(this, result) ?? result;
        return result;
    }

    /// <summary>
    /// Loads a state dict made by <see cref="StateDict"/> (here or by PyTorch). Parameters are
    /// matched by position; state tensors are copied and cast to their parameter's dtype (<c>step</c>
    /// keeps its dtype, as PyTorch). Any error leaves this optimizer exactly as it was.
    /// </summary>
    public virtual void LoadStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        stateDict = stateDict.ShallowCopy();
        foreach (var entry in _loadStateDictPreHooks.Snapshot()) stateDict = entry.Hook(this, stateDict) ?? stateDict;

        var savedGroups = stateDict.ParamGroups;
        if (savedGroups.Count != _paramGroups.Count)
            throw new ArgumentException("loaded state dict has a different number of parameter groups", nameof(stateDict));
        var idMap = new Dictionary<int, (Tensor Param, OrderedDictionary<string, object?> Group)>();
        for (int g = 0; g < savedGroups.Count; g++)
        {
            var savedIds = SavedParamIds(savedGroups[g], g);
            if (savedIds.Count != _paramGroups[g].Params.Count)
                throw new ArgumentException("loaded state dict contains a parameter group that doesn't match the size of optimizer's group", nameof(stateDict));
            for (int i = 0; i < savedIds.Count; i++) idMap[savedIds[i]] = (_paramGroups[g].Params[i], savedGroups[g]);
        }

        var newState = new Dictionary<Tensor, OrderedDictionary<string, object?>>(ReferenceEqualityComparer.Instance);
        foreach (var (key, value) in stateDict.State)
        {
            if (key is not int id || !idMap.TryGetValue(id, out var target))
                throw new ArgumentException($"loaded state dict has state for parameter {key}, which is not in any of its param groups", nameof(stateDict));
            bool fusedOrCapturable = GroupFlag(target.Group, "fused") || GroupFlag(target.Group, "capturable");
            var cast = (OrderedDictionary<string, object?>)StateValues.CastForParam(target.Param, value, null, fusedOrCapturable)!;
            // __setstate__ reads these from every non-empty state (PyTorch's KeyError, raised at load).
            if (cast.Count > 0)
                foreach (var required in ScalarStateKeys)
                    if (!cast.ContainsKey(required)) throw StateProblem.AtLoad(id, required, null);
            ValidateLoadedState(target.Param, id, cast);
            newState[target.Param] = cast;
        }

        var newGroups = new List<ParamGroup>();
        for (int g = 0; g < savedGroups.Count; g++)
        {
            var options = savedGroups[g].Where(kv => kv.Key != "params")
                .Select(kv => new KeyValuePair<string, object?>(kv.Key, StateValues.DeepCopy(kv.Value)));
            var group = _paramGroups[g].WithOptions(options);
            if (group.ParamNames is null && _paramGroups[g].ParamNames is { } names) group.SetParamNames(names);
            newGroups.Add(group);
        }

        // __setstate__: fill flags newer than the checkpoint, and make plain-number steps (and the like) tensors.
        foreach (var group in newGroups) SetGroupDefaults(group);
        foreach (var state in newState.Values)
            foreach (var key in ScalarStateKeys)
            {
                if (state.TryGetValue(key, out var number) && number is not Tensor and not null)
                    state[key] = Torch.Scalar(OptionValues.ToDouble(number, key), Torch.DefaultDType == DType.Float64 ? DType.Float64 : DType.Float32);
            }

        State = newState;
        _paramGroups.Clear();
        _paramGroups.AddRange(newGroups);
        foreach (var entry in _loadStateDictPostHooks.Snapshot()) entry.Hook(this);
    }

    private static List<int> SavedParamIds(OrderedDictionary<string, object?> group, int groupIndex)
    {
        if (!group.TryGetValue("params", out var ids))
            throw new ArgumentException($"loaded state dict's param group {groupIndex} has no 'params' entry", "stateDict");
        return ids switch
        {
            List<int> l => l,
            IEnumerable<object?> l => l.Select(x => x is int or long ? Convert.ToInt32(x, CultureInfo.InvariantCulture) : throw new ArgumentException($"loaded state dict's param group {groupIndex} lists a parameter id that is not an integer: {StateValues.Describe(x)}", "stateDict")).ToList(),
            _ => throw new ArgumentException($"loaded state dict's param group {groupIndex} has 'params' of {StateValues.Describe(ids)}, not a list of integers", "stateDict"),
        };
    }

    private static bool GroupFlag(OrderedDictionary<string, object?> group, string key)
        => group.TryGetValue(key, out var v) && v is bool b && b;

    /// <summary>
    /// Checks one parameter's loaded state before anything is changed. The base checks that the
    /// state tensors listed in <see cref="ElementwiseStateKeys"/> have the parameter's shape, so a
    /// mismatched checkpoint fails here rather than at the next step.
    /// </summary>
    protected virtual void ValidateLoadedState(Tensor param, int paramId, IReadOnlyDictionary<string, object?> state)
    {
        foreach (var key in ElementwiseStateKeys)
        {
            if (!state.TryGetValue(key, out var value) || value is null) continue;
            if (value is not Tensor t)
                throw StateProblem.AtLoad(paramId, key, $"of {StateValues.Describe(value)}, expected a tensor");
            if (!ShapeUtil.SameShape(t.ShapeRef, param.ShapeRef))
                throw StateProblem.AtLoad(paramId, key, $"of shape {ShapeUtil.Format(t.ShapeRef)}, but the parameter has shape {ShapeUtil.Format(param.ShapeRef)}");
        }
    }

    /// <summary>
    /// The 0-d state that the algorithm's <c>__setstate__</c> reads from every non-empty state
    /// (<c>step</c>; NAdam's <c>mu_product</c>; ASGD's <c>eta</c>, <c>mu</c>): a loaded state
    /// without one is refused, as PyTorch raises its KeyError there, and a plain number (from an
    /// old checkpoint) becomes a 0-d tensor of the scalar dtype. None by default (SGD, Muon, LBFGS,
    /// and SparseAdam, whose step is an int that PyTorch only reads at the next step).
    /// </summary>
    protected virtual IEnumerable<string> ScalarStateKeys => [];

    /// <summary>State keys whose tensors have the parameter's own shape (e.g. <c>momentum_buffer</c>).</summary>
    protected virtual IEnumerable<string> ElementwiseStateKeys => [];

    /// <summary>Fills options that an older checkpoint's groups may lack (each algorithm's <c>__setstate__</c>).</summary>
    protected virtual void SetGroupDefaults(ParamGroup group) { }
}
