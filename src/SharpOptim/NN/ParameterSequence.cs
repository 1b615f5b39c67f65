using System.Collections;

namespace SharpOptim.NN;

/// <summary>
/// A module's parameters as <see cref="Module.Parameters"/> and <see cref="Module.NamedParameters"/>
/// return them: enumerated lazily each time, as PyTorch's generators (but re-enumerable), with the
/// elements <typeparamref name="T"/> (<see cref="Parameter"/>, or a <c>(Name, Param)</c> pair).
/// It is a class of its own, not an <see cref="IEnumerable{T}"/>, so that an optimizer's
/// <see cref="Optim.OptimizerParams"/> can convert from it (C# converts from no interface);
/// <see cref="Where"/> and <see cref="Concat"/> keep that type, so
/// <c>new SGD(model.Parameters().Where(p =&gt; p.Dim() &gt; 1))</c> compiles as PyTorch's
/// <c>SGD(p for p in model.parameters() if p.dim() &gt; 1)</c> runs. Every other LINQ operator
/// works as on any sequence; spread its result into an optimizer with <c>[.. result]</c>.
/// </summary>
/// <typeparam name="T"><see cref="Parameter"/> or <c>(string Name, Parameter Param)</c>.</typeparam>
public sealed class ParameterSequence<T> : IEnumerable<T>
{
    private readonly Func<IEnumerable<T>> _source;

    internal ParameterSequence(Func<IEnumerable<T>> source) => _source = source;

    /// <summary>The elements that satisfy <paramref name="predicate"/>, still a <see cref="ParameterSequence{T}"/>.</summary>
    public ParameterSequence<T> Where(Func<T, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var source = _source;
        return new(() => source().Where(predicate));
    }

    /// <summary>These elements, then <paramref name="second"/>'s (Python's <c>itertools.chain</c>), still a <see cref="ParameterSequence{T}"/>.</summary>
    public ParameterSequence<T> Concat(ParameterSequence<T> second)
    {
        ArgumentNullException.ThrowIfNull(second);
        var source = _source;
        return new(() => source().Concat(second));
    }

    /// <summary>Enumerates the module's parameters as they are now.</summary>
    public IEnumerator<T> GetEnumerator() => _source().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
