using System.Runtime.CompilerServices;

namespace SharpOptim.Optim;

// A scheduler writes a new lr (and momentum, or betas) into the options dictionary at every step,
// and each number stored as an object is a new box. So that a training loop with a scheduler
// allocates nothing, a box this group made itself and never handed out is overwritten in place by
// the next write. A box is handed out (and from then on left alone) whenever the value leaves
// through the public API — the indexer, TryGetValue, enumeration (which state dicts and
// snapshots use) — so no caller can ever see a value it holds change. The library's own readers,
// which convert the value at once and keep nothing, read through Peek.
public sealed partial class ParamGroup
{
    // Option key → the box this group made for it and has not handed out.
    private Dictionary<string, object>? _privateBoxes;

    /// <summary>An option (or <c>params</c>) for a caller that converts it at once and keeps no reference to it.</summary>
    internal object? Peek(string key)
    {
        if (key == "params") return _paramsView;
        return _options.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"param group has no option '{key}'");
    }

    /// <summary>Sets <paramref name="key"/> to a number, overwriting the group's own unseen box when it holds one.</summary>
    internal void WriteNumber(string key, double value)
    {
        if (PrivateBox(key) is { } box && box is double)
            Unsafe.Unbox<double>(box) = value;
        else Store(key, value);
    }

    /// <summary>Sets <paramref name="key"/> to an integer (a Python int: a step count), as <see cref="WriteNumber"/> does.</summary>
    internal void WriteInteger(string key, long value)
    {
        if (PrivateBox(key) is { } box && box is long)
            Unsafe.Unbox<long>(box) = value;
        else Store(key, value);
    }

    /// <summary>Sets <paramref name="key"/> to a pair of numbers (<c>betas</c>), as <see cref="WriteNumber"/> does.</summary>
    internal void WritePair(string key, (double, double) value)
    {
        if (PrivateBox(key) is { } box && box is ValueTuple<double, double>)
            Unsafe.Unbox<ValueTuple<double, double>>(box) = value;
        else Store(key, value);
    }

    private object? PrivateBox(string key)
        => _privateBoxes is not null && _privateBoxes.TryGetValue(key, out var box)
           && _options.TryGetValue(key, out var current) && ReferenceEquals(current, box) ? box : null;

    private void Store(string key, object box)
    {
        _options[key] = box;
        (_privateBoxes ??= new())[key] = box;
    }

    private void Escape(string key) => _privateBoxes?.Remove(key);

    private void EscapeAll() => _privateBoxes?.Clear();
}
