using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using SharpOptim.NN;

namespace SharpOptim.Optim;

/// <summary>
/// What an optimizer (or a <see cref="ParamGroup"/>) is given to optimize: PyTorch's
/// <c>params</c> argument, typed. It holds <see cref="ParamsItem"/>s — tensors, <c>(name, tensor)</c>
/// pairs or <see cref="ParamGroup"/>s — and converts implicitly from what PyTorch code passes:
/// <list type="bullet">
/// <item><c>model.Parameters()</c>, <c>model.NamedParameters()</c>, and their <c>.Where(...)</c> / <c>.Concat(...)</c> (<see cref="ParameterSequence{T}"/>);</item>
/// <item>a collection expression: <c>[w, b]</c>, <c>[("w", w), ("b", b)]</c>, <c>[group1, group2]</c>, <c>[.. anySequence]</c>;</item>
/// <item>arrays and lists of tensors, parameters, named pairs or groups (<c>new[] { w }</c>, a <c>List&lt;Tensor&gt;</c>).</item>
/// </list>
/// Anything else — a module, a number, an <c>object[]</c>, a single tensor, a set (whose order
/// changes between runs) — does not compile. The items are read once, when converted, as PyTorch
/// reads <c>list(params)</c>. What PyTorch checks at run time (an empty list, groups mixed with
/// tensors, names given for some tensors only, duplicates) the optimizer checks with PyTorch's messages.
/// </summary>
[CollectionBuilder(typeof(OptimizerParams), nameof(Create))]
public sealed class OptimizerParams : IReadOnlyList<ParamsItem>
{
    private readonly ParamsItem[] _items;

    private OptimizerParams(ParamsItem[] items) => _items = items;

    /// <summary>The params of a collection expression (<c>[w, b]</c>); the items are copied.</summary>
    public static OptimizerParams Create(ReadOnlySpan<ParamsItem> items) => new(items.ToArray());

    /// <summary>The number of items.</summary>
    public int Count => _items.Length;

    /// <summary>The item at <paramref name="index"/>.</summary>
    public ParamsItem this[int index] => _items[index];

    /// <summary>The items, in order.</summary>
    public IEnumerator<ParamsItem> GetEnumerator() => ((IEnumerable<ParamsItem>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // One conversion per concrete source type (C# has none from an interface, and none generic);
    // null converts to null, which the optimizer refuses by name.

    /// <summary>A module's parameters (<c>model.Parameters()</c>).</summary>
    [return: NotNullIfNotNull(nameof(parameters))]
    public static implicit operator OptimizerParams?(ParameterSequence<Parameter>? parameters) => From(parameters, ParamsItem.FromTensor);

    /// <summary>A module's named parameters (<c>model.NamedParameters()</c>).</summary>
    [return: NotNullIfNotNull(nameof(parameters))]
    public static implicit operator OptimizerParams?(ParameterSequence<(string Name, Parameter Param)>? parameters) => From(parameters, Named);

    /// <summary>Tensors or parameters (<c>new[] { w, b }</c>).</summary>
    [return: NotNullIfNotNull(nameof(parameters))]
    public static implicit operator OptimizerParams?(Tensor[]? parameters) => From(parameters, ParamsItem.FromTensor);

    /// <summary>A list of tensors.</summary>
    [return: NotNullIfNotNull(nameof(parameters))]
    public static implicit operator OptimizerParams?(List<Tensor>? parameters) => From(parameters, ParamsItem.FromTensor);

    /// <summary>A list of parameters.</summary>
    [return: NotNullIfNotNull(nameof(parameters))]
    public static implicit operator OptimizerParams?(List<Parameter>? parameters) => From(parameters, ParamsItem.FromTensor);

    /// <summary>Named tensors.</summary>
    [return: NotNullIfNotNull(nameof(parameters))]
    public static implicit operator OptimizerParams?((string Name, Tensor Param)[]? parameters) => From(parameters, Named);

    /// <summary>Named parameters.</summary>
    [return: NotNullIfNotNull(nameof(parameters))]
    public static implicit operator OptimizerParams?((string Name, Parameter Param)[]? parameters) => From(parameters, Named);

    /// <summary>A list of named tensors.</summary>
    [return: NotNullIfNotNull(nameof(parameters))]
    public static implicit operator OptimizerParams?(List<(string Name, Tensor Param)>? parameters) => From(parameters, Named);

    /// <summary>A list of named parameters (<c>model.NamedParameters().ToList()</c>).</summary>
    [return: NotNullIfNotNull(nameof(parameters))]
    public static implicit operator OptimizerParams?(List<(string Name, Parameter Param)>? parameters) => From(parameters, Named);

    /// <summary>Parameter groups.</summary>
    [return: NotNullIfNotNull(nameof(groups))]
    public static implicit operator OptimizerParams?(ParamGroup[]? groups) => From(groups, ParamsItem.FromParamGroup);

    /// <summary>A list of parameter groups.</summary>
    [return: NotNullIfNotNull(nameof(groups))]
    public static implicit operator OptimizerParams?(List<ParamGroup>? groups) => From(groups, ParamsItem.FromParamGroup);

    /// <summary>Items of any kind, as they were given.</summary>
    [return: NotNullIfNotNull(nameof(items))]
    public static implicit operator OptimizerParams?(ParamsItem[]? items) => From(items, item => item);

    /// <summary>A list of items of any kind.</summary>
    [return: NotNullIfNotNull(nameof(items))]
    public static implicit operator OptimizerParams?(List<ParamsItem>? items) => From(items, item => item);

    /// <summary>The params of any sequence of items (what a conversion does, for a caller that has the items in another collection).</summary>
    public static OptimizerParams FromItems(IEnumerable<ParamsItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new([.. items]);
    }

    [return: NotNullIfNotNull(nameof(source))]
    private static OptimizerParams? From<T>(IEnumerable<T>? source, Func<T, ParamsItem> item)
        => source is null ? null : new([.. source.Select(item)]);

    private static ParamsItem Named<TParam>((string Name, TParam Param) named) where TParam : Tensor
        => ParamsItem.FromNamedTensor(named.Name, named.Param);
}
