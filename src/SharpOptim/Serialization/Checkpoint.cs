using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace SharpOptim.Serialization;

/// <summary>
/// A loaded checkpoint that is a dict with string keys (what <c>torch.save({...})</c> writes),
/// with typed accessors, so a resume reads as PyTorch's without casts:
/// <code>
/// var ck = Torch.Load&lt;Checkpoint&gt;("checkpoint.pt");
/// model.LoadStateDict(ck.GetStateDict("model"));
/// optimizer.LoadStateDict(ck.GetStateDict("optimizer"));
/// int epoch = ck.GetInt("epoch");
/// </code>
/// A missing key, or a value of another type, fails with an exception that names the key, the
/// type wanted and the type found. It is also the plain dictionary of the loaded values
/// (<see cref="Torch.Load(string)"/>'s types: <c>long</c>, <c>double</c>, <see cref="Tensor"/>, ...).
/// </summary>
[SuppressMessage("Naming", "CA1710", Justification = "Named for what it is to a PyTorch user, a checkpoint; the dictionary is its shape.")]
public sealed class Checkpoint : IReadOnlyDictionary<string, object?>
{
    private readonly IReadOnlyDictionary<string, object?> _entries;
    private readonly string _path;

    /// <summary>A typed view of <paramref name="entries"/> (a loaded dict, or one to be saved).</summary>
    public Checkpoint(IReadOnlyDictionary<string, object?> entries) : this(entries, "checkpoint") { }

    private Checkpoint(IReadOnlyDictionary<string, object?> entries, string path)
    {
        _entries = entries ?? throw new ArgumentNullException(nameof(entries));
        _path = path;
    }

    /// <summary>A nested dict with string keys (a module's, optimizer's or scheduler's state dict), itself a <see cref="Checkpoint"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    /// <exception cref="InvalidCastException">The value is not a dict with string keys.</exception>
    public Checkpoint GetStateDict(string key)
        => Get(key) is IReadOnlyDictionary<string, object?> dict ? new Checkpoint(dict, PathOf(key)) : throw WrongType(key, "a dict with string keys");

    /// <summary>A tensor.</summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    /// <exception cref="InvalidCastException">The value is not a tensor.</exception>
    public Tensor GetTensor(string key) => Get(key) as Tensor ?? throw WrongType(key, "a Tensor");

    /// <summary>A Python int.</summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    /// <exception cref="InvalidCastException">The value is not an int.</exception>
    public long GetLong(string key) => Get(key) is long value ? value : throw WrongType(key, "an int");

    /// <summary>A Python int that fits an <see cref="int"/> (an epoch, a step count).</summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    /// <exception cref="InvalidCastException">The value is not an int, or does not fit.</exception>
    public int GetInt(string key)
    {
        long value = GetLong(key);
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw WrongType(key, "an int that fits 32 bits");
    }

    /// <summary>A Python float, or an int read as one (Python's <c>float(x)</c>).</summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    /// <exception cref="InvalidCastException">The value is not a number.</exception>
    public double GetDouble(string key) => Get(key) switch
    {
        double d => d,
        long l => l,
        _ => throw WrongType(key, "a float"),
    };

    /// <summary>A Python bool.</summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    /// <exception cref="InvalidCastException">The value is not a bool.</exception>
    public bool GetBool(string key) => Get(key) is bool value ? value : throw WrongType(key, "a bool");

    /// <summary>A Python str.</summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    /// <exception cref="InvalidCastException">The value is not a str.</exception>
    public string GetString(string key) => Get(key) as string ?? throw WrongType(key, "a str");

    /// <summary>The value under <paramref name="key"/>, as loaded.</summary>
    /// <exception cref="KeyNotFoundException">No such key; the message lists the keys there are.</exception>
    public object? this[string key] => Get(key);

    private object? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _entries.TryGetValue(key, out var value)
            ? value
            : throw new KeyNotFoundException($"{PathOf(key)} is missing: {_path} has the keys {string.Join(", ", _entries.Keys.Select(k => $"'{k}'"))}");
    }

    private string PathOf(string key) => $"{_path}['{key}']";

    private InvalidCastException WrongType(string key, string wanted)
        => new($"{PathOf(key)} should be {wanted}, but it holds a value of type {PythonType(_entries[key])} ({_entries[key]?.GetType().Name ?? "null"})");

    /// <summary>A loaded value's type as Python names it (what <c>torch.save</c> was given).</summary>
    private static string PythonType(object? value) => value switch
    {
        IReadOnlyDictionary<string, object?> or OrderedDictionary<object, object?> => "dict",
        List<object?> => "list",
        PyTuple => "tuple",
        _ => PyRepr.TypeName(value),
    };

    /// <summary>The keys, in the file's order.</summary>
    public IEnumerable<string> Keys => _entries.Keys;

    /// <summary>The values, in the file's order.</summary>
    public IEnumerable<object?> Values => _entries.Values;

    /// <summary>The number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>Whether <paramref name="key"/> is present.</summary>
    public bool ContainsKey(string key) => _entries.ContainsKey(key);

    /// <summary>The value under <paramref name="key"/>, if present.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => _entries.TryGetValue(key, out value);

    /// <summary>The entries, in the file's order.</summary>
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
