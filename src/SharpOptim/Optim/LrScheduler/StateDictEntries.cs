namespace SharpOptim.Optim.LrScheduler;

/// <summary>Helpers for the entries that schedulers keep apart from their declared fields.</summary>
internal static class StateDictEntries
{
    /// <summary>
    /// Takes <paramref name="key"/> out of a state dict (PyTorch pops it and treats it apart),
    /// returning the rest; the dict passed in is not changed.
    /// </summary>
    public static (object? Value, bool Found, OrderedDictionary<string, object?> Remaining) Split(IReadOnlyDictionary<string, object?> stateDict, string key)
    {
        var rest = new OrderedDictionary<string, object?>();
        object? value = null;
        bool found = false;
        foreach (var (k, v) in stateDict)
        {
            if (k == key)
            {
                value = v;
                found = true;
            }
            else rest[k] = v;
        }
        return (value, found, rest);
    }
}
