using System.Collections;
using System.Runtime.CompilerServices;

namespace SharpOptim.Serialization;

/// <summary>
/// A Python tuple as <see cref="Torch.Load(string)"/> returns it (e.g. Adam's <c>betas</c>): an
/// immutable list with structural equality, so it can be a dictionary key as in Python.
/// <see cref="Torch.Save(object?, string)"/> writes it, and any other <see cref="ITuple"/>
/// (such as a C# value tuple), as a Python tuple.
/// </summary>
public sealed class PyTuple : IReadOnlyList<object?>, ITuple, IEquatable<PyTuple>
{
    private readonly object?[] _items;
    private readonly int _hash;

    /// <summary>A tuple of <paramref name="items"/> (copied).</summary>
    public PyTuple(params object?[] items) : this((IEnumerable<object?>)items) { }

    /// <summary>A tuple of <paramref name="items"/> (copied).</summary>
    public PyTuple(IEnumerable<object?> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = items.ToArray();
        // Nesting depth and element count are tracked so that the checkpoint reader can bound
        // hashing and comparing tuples that arrive as dictionary keys (both recurse).
        var hash = new HashCode();
        long size = 1;
        foreach (var item in _items)
        {
            hash.Add(PyKeyComparer.Instance.GetHashCode(item));
            if (item is PyTuple inner)
            {
                Depth = Math.Max(Depth, inner.Depth);
                size += inner.TreeSize;
            }
            else size++;
        }
        Depth++;
        TreeSize = Math.Min(size, long.MaxValue / 4);
        _hash = hash.ToHashCode();
    }

    /// <summary>The empty tuple <c>()</c>.</summary>
    public static PyTuple Empty { get; } = new();

    /// <summary>Tuples nested inside each other, this one included (1 for a flat tuple).</summary>
    internal int Depth { get; }

    /// <summary>Elements counted through nested tuples, this one included.</summary>
    internal long TreeSize { get; }

    /// <summary>Set once the reader has checked this tuple can be a key, so a key used again costs nothing.</summary>
    internal bool CheckedAsKey { get; set; }

    /// <summary>Number of items (Python's <c>len(t)</c>).</summary>
    public int Count => _items.Length;

    /// <summary>The item at <paramref name="index"/>, 0-based (Python's <c>t[i]</c>, without negative indices).</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>).</exception>
    public object? this[int index] => _items[index];

    int ITuple.Length => _items.Length;

    /// <summary>The items in order.</summary>
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <summary>Structural equality: the same length and items pairwise equal by <see cref="object.Equals(object)"/>, nested tuples compared the same way.</summary>
    public bool Equals(PyTuple? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other._hash != _hash || other._items.Length != _items.Length) return false;
        for (int i = 0; i < _items.Length; i++)
            if (!PyKeyComparer.Instance.Equals(_items[i], other._items[i])) return false;
        return true;
    }

    /// <inheritdoc cref="Equals(PyTuple)"/>
    public override bool Equals(object? obj) => obj is PyTuple t && Equals(t);

    /// <summary>A hash consistent with <see cref="Equals(PyTuple)"/>, computed once, so a tuple can key a dictionary.</summary>
    public override int GetHashCode() => _hash;

    /// <summary>Python's repr, e.g. <c>(0.9, 0.999)</c>.</summary>
    public override string ToString()
        => "(" + string.Join(", ", _items.Select(x => x is PyTuple t ? t.ToString() : PyRepr.Value(x))) + (_items.Length == 1 ? ",)" : ")");
}
