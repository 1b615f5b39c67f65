namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// What <see cref="ChainedScheduler"/> and <see cref="SequentialLR"/> share: the checks on the
/// schedulers they are given (PyTorch's messages) and their nested state dicts, which PyTorch
/// writes under <c>_schedulers</c>, last.
/// </summary>
internal static class SchedulerList
{
    public const string Key = "_schedulers";

    public static List<LRScheduler> Checked(string owner, Optimizer optimizer, IReadOnlyList<LRScheduler?> schedulers)
    {
        for (int i = 0; i < schedulers.Count; i++)
        {
            var scheduler = schedulers[i];
            if (scheduler is null)
                throw new ArgumentException($"{owner} at index {i} should have `optimizer` as its attribute.", nameof(schedulers));
            if (scheduler is ReduceLROnPlateau)
                throw new ArgumentException($"{owner} does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be specified when calling `step`, but got one at index {i} in the given schedulers sequence.", nameof(schedulers));
            if (!ReferenceEquals(optimizer, scheduler.Optimizer))
                throw new ArgumentException($"{owner} expects all schedulers to belong to the same optimizer, but got scheduler {scheduler.GetType().Name} at index {i} has {scheduler.Optimizer}, which is different from {optimizer.GetType().Name}.", nameof(schedulers));
        }
        return schedulers.Select(s => s!).ToList();
    }

    public static OrderedDictionary<string, object?> Appended(OrderedDictionary<string, object?> stateDict, IEnumerable<LRScheduler> schedulers)
    {
        stateDict[Key] = schedulers.Select(s => (object?)s.StateDict()).ToList();
        return stateDict;
    }

    /// <summary>
    /// Checks a loaded state dict: the container's own entries with <paramref name="prepareOwn"/>,
    /// the nested dicts with the nested schedulers; returns the action that loads them all.
    /// </summary>
    public static Action PrepareLoad(IReadOnlyDictionary<string, object?> stateDict, IReadOnlyList<LRScheduler> schedulers,
                                     Func<IReadOnlyDictionary<string, object?>, Action> prepareOwn)
    {
        var (nested, found, rest) = StateDictEntries.Split(stateDict, Key);
        if (!found) throw new ArgumentException($"state dict has no '{Key}' entry", nameof(stateDict));
        var dicts = SchedulerStateValues.Items(nested, Key).ToList();
        if (dicts.Count != schedulers.Count)
            throw new ArgumentException($"state dict entry '{Key}' holds {dicts.Count} schedulers, this scheduler has {schedulers.Count}", nameof(stateDict));
        var loads = new List<Action>();
        for (int i = 0; i < dicts.Count; i++)
        {
            if (dicts[i] is not IReadOnlyDictionary<string, object?> dict)
                throw SchedulerStateValues.Bad($"{Key}[{i}]", dicts[i], "a state dict");
            loads.Add(schedulers[i].PrepareLoadInternal(dict));
        }
        var loadOwn = prepareOwn(rest);
        return () =>
        {
            loadOwn();
            loads.ForEach(load => load());
        };
    }
}
