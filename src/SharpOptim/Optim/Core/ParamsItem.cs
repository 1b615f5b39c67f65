namespace SharpOptim.Optim;

/// <summary>
/// One item of an optimizer's <see cref="OptimizerParams"/>, as PyTorch's <c>params</c> iterable
/// holds them: a tensor, a <c>(name, tensor)</c> pair (<c>named_parameters()</c>), or a
/// <see cref="ParamGroup"/> (PyTorch's dict). Each converts implicitly, so a collection
/// expression reads as PyTorch's list: <c>[w, b]</c>, <c>[("w", w), ("b", b)]</c>,
/// <c>[new ParamGroup([w]), new ParamGroup([b]) { ["lr"] = 1e-3 }]</c>. Which kinds may be
/// mixed is checked when the optimizer or group is built, with PyTorch's messages.
/// </summary>
public readonly record struct ParamsItem
{
    private ParamsItem(Tensor? param, string? name, ParamGroup? group)
    {
        Param = param;
        Name = name;
        Group = group;
    }

    /// <summary>The tensor of a tensor or named-tensor item; null for a group (or a null tensor).</summary>
    public Tensor? Param { get; }

    /// <summary>The name of a named-tensor item; null otherwise.</summary>
    public string? Name { get; }

    /// <summary>The group of a group item; null otherwise.</summary>
    public ParamGroup? Group { get; }

    /// <summary>A tensor item.</summary>
    public static ParamsItem FromTensor(Tensor? param) => new(param, null, null);

    /// <summary>A named-tensor item, as <c>named_parameters()</c> yields them.</summary>
    public static ParamsItem FromNamedTensor(string name, Tensor? param)
        => new(param, name ?? throw new ArgumentNullException(nameof(name)), null);

    /// <summary>A parameter-group item.</summary>
    public static ParamsItem FromParamGroup(ParamGroup? group) => new(null, null, group);

    /// <summary>A tensor item.</summary>
    public static implicit operator ParamsItem(Tensor? param) => FromTensor(param);

    /// <summary>A named-tensor item.</summary>
    public static implicit operator ParamsItem((string Name, Tensor? Param) named) => FromNamedTensor(named.Name, named.Param);

    /// <summary>A parameter-group item.</summary>
    public static implicit operator ParamsItem(ParamGroup? group) => FromParamGroup(group);

    /// <summary>What the item holds, as Python names its type in PyTorch's messages (<c>NoneType</c> for null).</summary>
    internal object? Value => Group ?? (object?)Param;
}
