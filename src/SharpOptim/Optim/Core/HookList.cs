namespace SharpOptim.Optim;

/// <summary>
/// An ordered list of hooks, each removable through its handle; <c>prepend</c> puts a hook first.
/// Safe to register, remove and run from any number of threads at once, without a lock.
/// </summary>
/// <remarks>
/// Invariants that make it so:
/// <list type="bullet">
/// <item>The list is one array that is never written after it is published. Every change (add,
/// prepend, remove) builds a new array from the current one and publishes it with a
/// compare-and-swap, retrying from the newer array when another change won the race, so no
/// registration or removal is ever lost.</item>
/// <item>A reader reads the field once (<see cref="Snapshot"/>) and runs what it got: it sees the
/// list as it was before or after each concurrent change, never half of one. A hook removed (even
/// by itself or another hook) while a snapshot runs still runs in that snapshot and the run is
/// not disturbed; it is gone from every later snapshot.</item>
/// <item>An empty list is an empty array, so <see cref="IsEmpty"/> is a single volatile read, and
/// reading or running a snapshot allocates nothing (a step without hooks stays allocation-free).</item>
/// <item>Each registration is its own entry object and its handle removes exactly that entry
/// (the same delegate registered twice is two entries); a change keeps every other entry in
/// its relative order.</item>
/// </list>
/// </remarks>
internal sealed class HookList<THook> where THook : Delegate
{
    /// <summary>One registration.</summary>
    internal sealed class Entry(THook hook)
    {
        public THook Hook { get; } = hook;
    }

    private Entry[] _entries = [];

    public RemovableHandle Add(THook hook, bool prepend = false)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var entry = new Entry(hook);
        Change(entries => prepend ? [entry, .. entries] : [.. entries, entry]);
        return new RemovableHandle(() => Change(entries => Without(entries, entry)));
    }

    public bool IsEmpty => Volatile.Read(ref _entries).Length == 0;

    /// <summary>The hooks as registered now, in order; later changes do not affect it.</summary>
    public ReadOnlySpan<Entry> Snapshot() => Volatile.Read(ref _entries);

    /// <summary>Publishes <paramref name="change"/> of the current array, retrying while other changes intervene.</summary>
    private void Change(Func<Entry[], Entry[]> change)
    {
        var current = Volatile.Read(ref _entries);
        while (true)
        {
            var next = change(current);
            if (ReferenceEquals(next, current)) return;
            var found = Interlocked.CompareExchange(ref _entries, next, current);
            if (ReferenceEquals(found, current)) return;
            current = found;
        }
    }

    private static Entry[] Without(Entry[] entries, Entry entry)
    {
        int index = Array.IndexOf(entries, entry);
        if (index < 0) return entries;
        return [.. entries.AsSpan(0, index), .. entries.AsSpan(index + 1)];
    }
}
