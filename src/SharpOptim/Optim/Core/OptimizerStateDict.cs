namespace SharpOptim.Optim;

/// <summary>
/// An optimizer's state in PyTorch's layout: <c>state</c> keyed by integer parameter index
/// (each a dictionary such as <c>{"momentum_buffer": tensor}</c>) and <c>param_groups</c>, each the
/// group's options followed by <c>"params"</c> as a list of indices (and <c>"param_names"</c> when named).
/// </summary>
public sealed partial class OptimizerStateDict
{
    /// <summary>A state dict over the given collections (kept, not copied), e.g. one built by hand or migrated before <see cref="Optimizer.LoadStateDict(OptimizerStateDict)"/>.</summary>
    /// <param name="state">Per-parameter state keyed by parameter index; see <see cref="State"/>.</param>
    /// <param name="paramGroups">One dictionary per group, options plus <c>"params"</c>; see <see cref="ParamGroups"/>.</param>
    /// <exception cref="ArgumentNullException">Either argument is null.</exception>
    public OptimizerStateDict(OrderedDictionary<object, OrderedDictionary<string, object?>> state, List<OrderedDictionary<string, object?>> paramGroups)
    {
        State = state ?? throw new ArgumentNullException(nameof(state));
        ParamGroups = paramGroups ?? throw new ArgumentNullException(nameof(paramGroups));
    }

    /// <summary>Per-parameter state keyed by parameter index (an int; other keys pass through as PyTorch allows).</summary>
    public OrderedDictionary<object, OrderedDictionary<string, object?>> State { get; }

    /// <summary>One dictionary per group; <c>"params"</c> holds a <c>List&lt;int&gt;</c> of indices.</summary>
    public List<OrderedDictionary<string, object?>> ParamGroups { get; }

    /// <summary>A copy whose dictionaries are new but whose values are the same objects (Python's <c>dict.copy()</c> one level down).</summary>
    public OptimizerStateDict ShallowCopy() => new(new(State), [.. ParamGroups]);

    /// <summary>A fully independent copy (tensors cloned), like <c>copy.deepcopy</c>.</summary>
    public OptimizerStateDict DeepCopy()
    {
        var state = new OrderedDictionary<object, OrderedDictionary<string, object?>>();
        foreach (var kv in State) state[kv.Key] = (OrderedDictionary<string, object?>)StateValues.DeepCopy(kv.Value)!;
        return new(state, ParamGroups.Select(g => (OrderedDictionary<string, object?>)StateValues.DeepCopy(g)!).ToList());
    }
}
