namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Python's <c>collections.Counter</c> of milestones, as <see cref="MultiStepLR"/> keeps them:
/// each distinct epoch, in first-seen order, with how many times it was listed. A distinct type
/// so that a serializer can write it back as a Counter.
/// </summary>
public sealed class Counter : OrderedDictionary<int, int>
{
    /// <summary>An empty counter, as Python's <c>Counter()</c>.</summary>
    public Counter() { }

    /// <summary>Counts <paramref name="items"/>.</summary>
    public Counter(IEnumerable<int> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items) this[item] = TryGetValue(item, out int n) ? n + 1 : 1;
    }

    /// <summary>The items repeated as many times as counted (Python's <c>Counter.elements()</c>).</summary>
    public IEnumerable<int> Elements() => this.SelectMany(kv => Enumerable.Repeat(kv.Key, Math.Max(kv.Value, 0)));

    /// <summary>An independent copy with the same counts in the same order (Python's <c>Counter.copy()</c>).</summary>
    public Counter Copy()
    {
        var copy = new Counter();
        foreach (var (k, v) in this) copy[k] = v;
        return copy;
    }
}
