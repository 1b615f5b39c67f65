using System.Collections;

namespace SharpOptim.Optim;

/// <summary>
/// One parameter group: its parameters (optionally named) and an ordered dictionary of options
/// keyed by PyTorch's names (<c>"lr"</c>, <c>"momentum"</c>, ...). Unknown keys are kept, so users
/// and schedulers can store their own (e.g. <c>"initial_lr"</c>). Build one with a collection
/// initializer: <c>new ParamGroup(model.Parameters()) { ["lr"] = 1e-2 }</c>.
/// </summary>
public sealed partial class ParamGroup : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly OrderedDictionary<string, object?> _options = new();
    private readonly List<Tensor> _params;
    private readonly IReadOnlyList<Tensor> _paramsView;

    /// <summary>
    /// A group over <paramref name="parameters"/>: tensors, or <c>(name, tensor)</c> pairs
    /// (<c>model.NamedParameters()</c>), all named or none, as PyTorch requires.
    /// </summary>
    /// <exception cref="ArgumentException">An item is not a tensor (a group, or null), or only some are named.</exception>
    public ParamGroup(OptimizerParams parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _params = new List<Tensor>(parameters.Count);
        var names = new List<string>();
        foreach (var item in parameters)
        {
            if (item.Param is not { } tensor) throw NotATensor(item.Value);
            if (item.Name is { } name) names.Add(name);
            _params.Add(tensor);
        }
        if (names.Count > 0)
        {
            if (names.Count != _params.Count)
                throw new ArgumentException("all optimizer params should be with/without names. Some param names are missing", nameof(parameters));
            _options["param_names"] = names;
        }
        _paramsView = _params.AsReadOnly();
        HasDuplicateParams = new HashSet<Tensor>(_params, ReferenceEqualityComparer.Instance).Count != _params.Count;
    }

    private static ArgumentException NotATensor(object? item)
        => new($"optimizer can only optimize Tensors, but one of the params is {PyRepr.TypeName(item)}", "parameters");

    /// <summary>The parameters of this group, in order.</summary>
    public IReadOnlyList<Tensor> Params => _paramsView;

    /// <summary>
    /// Whether some parameter is listed more than once. Known once: the list is fixed when the
    /// group is built (the <c>"params"</c> entry is a read-only view of it), so a step pays nothing to ask.
    /// </summary>
    internal bool HasDuplicateParams { get; }

    /// <summary>The parameters' names when the group was given named parameters; else null.</summary>
    public IReadOnlyList<string>? ParamNames => _options.TryGetValue("param_names", out var n) ? (IReadOnlyList<string>?)n : null;

    /// <summary>An option by PyTorch's key. Throws <see cref="KeyNotFoundException"/> when absent.</summary>
    public object? this[string key]
    {
        get
        {
            var value = Peek(key);
            Escape(key);
            return value;
        }
        set
        {
            if (key is "params" or "param_names")
                throw new ArgumentException($"'{key}' is set through the ParamGroup constructor, not as an option");
            _options[key] = value;
        }
    }

    /// <summary>Whether the group has option <paramref name="key"/> (Python's <c>key in group</c>); true for <c>"params"</c>.</summary>
    public bool ContainsKey(string key) => key == "params" || _options.ContainsKey(key);

    /// <summary>Reads option <paramref name="key"/> (or <c>"params"</c>) if present, as Python's <c>group.get(key)</c> does, without throwing.</summary>
    /// <returns>Whether the key is present; <paramref name="value"/> is null when not.</returns>
    public bool TryGetValue(string key, out object? value)
    {
        if (ContainsKey(key)) { value = this[key]; return true; }
        value = null;
        return false;
    }

    /// <summary>Sets <paramref name="key"/> only when absent (Python's <c>setdefault</c>).</summary>
    public void SetDefault(string key, object? value) => _options.TryAdd(key, value);

    /// <summary>Removes option <paramref name="key"/> (Python's <c>del group[key]</c>); <c>"params"</c> cannot be removed.</summary>
    /// <returns>Whether the option was present and removed.</returns>
    public bool Remove(string key) => _options.Remove(key);

    /// <summary>Option keys other than <c>params</c>, in insertion order (<c>param_names</c> included when present).</summary>
    public IEnumerable<string> Keys => this.Select(kv => kv.Key);

    // ---------------------------------------------------------------- typed access

    /// <summary>The learning rate as a number (reads a tensor lr's value). Setting it writes into a tensor lr in place, as PyTorch's schedulers do.</summary>
    public double Lr
    {
        get => GetDouble("lr");
        set
        {
            if (_options.TryGetValue("lr", out var current) && current is Tensor t)
                using (Torch.NoGrad()) t.Fill_(value);
            else WriteNumber("lr", value);
        }
    }

    /// <summary>An option as a double (numbers of any type, and one-element tensors).</summary>
    public double GetDouble(string key) => OptionValues.ToDouble(Peek(key), key);

    /// <summary>An option as a bool (null reads as false, as Python's truthiness does for flags).</summary>
    public bool GetBool(string key) => OptionValues.ToBool(Peek(key), key);

    /// <summary>An option that may be null (<c>foreach</c>, <c>fused</c>).</summary>
    public bool? GetNullableBool(string key) => Peek(key) switch
    {
        null => null,
        var v => OptionValues.ToBool(v, key),
    };

    /// <summary>An option as a pair of doubles (e.g. <c>"betas"</c>).</summary>
    public (double, double) GetPair(string key) => OptionValues.ToPair(Peek(key), key);

    /// <summary>Options in PyTorch's dict order (user keys, then <c>param_names</c>, then defaults); <c>params</c> is held apart.</summary>
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        EscapeAll();
        return _options.GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Moves <c>param_names</c> behind the keys the user gave, where PyTorch's add_param_group puts it.</summary>
    internal void MoveParamNamesLast()
    {
        if (_options.Remove("param_names", out var names)) _options["param_names"] = names;
    }

    internal void SetParamNames(IReadOnlyList<string>? names)
    {
        if (names is null) _options.Remove("param_names");
        else _options["param_names"] = names.ToList();
    }

    /// <summary>A group over the same parameters with the given options (used when loading a state dict).</summary>
    internal ParamGroup WithOptions(IEnumerable<KeyValuePair<string, object?>> options)
    {
        var copy = new ParamGroup(_params.ToArray());
        foreach (var kv in options)
            if (kv.Key != "params") copy._options[kv.Key] = kv.Value;
        return copy;
    }

    /// <summary>The group's options as Python prints a dict, in insertion order, e.g. <c>{'lr': 0.1, 'momentum': 0}</c>; the parameters are not listed.</summary>
    public override string ToString() => "{" + string.Join(", ", this.Select(kv => $"'{kv.Key}': {PyRepr.Value(kv.Value)}")) + "}";
}
