namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// The per-group functions of <see cref="LambdaLR"/> and <see cref="MultiplicativeLR"/>: one
/// function for every group or one per group, and their place in the state dict — PyTorch
/// writes <c>lr_lambdas</c> last, as None for plain functions. A .NET delegate is always such a
/// plain function, so it is never saved, and a state dict carrying the state of a Python callable
/// object cannot be loaded into one.
/// </summary>
internal static class LrLambdas
{
    public const string Key = "lr_lambdas";

    public static List<Func<int, double>> ForGroups(Optimizer optimizer, Func<int, double>? lrLambda)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return Checked(Enumerable.Repeat(lrLambda, optimizer.ParamGroups.Count));
    }

    public static List<Func<int, double>> ForGroups(Optimizer optimizer, IReadOnlyList<Func<int, double>?> lrLambdas)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(lrLambdas);
        if (lrLambdas.Count != optimizer.ParamGroups.Count)
            throw new ArgumentException($"Expected {optimizer.ParamGroups.Count} lr_lambdas, but got {lrLambdas.Count}", "lrLambda");
        return Checked(lrLambdas);
    }

    private static List<Func<int, double>> Checked(IEnumerable<Func<int, double>?> lambdas)
        => lambdas.Select(f => f ?? throw new ArgumentException("lr_lambda should be a function, but got NoneType", "lrLambda")).ToList();

    /// <summary>The state dict with <c>lr_lambdas</c> appended: None for each function.</summary>
    public static OrderedDictionary<string, object?> Appended(OrderedDictionary<string, object?> stateDict, int count)
    {
        stateDict[Key] = Enumerable.Repeat<object?>(null, count).ToList();
        return stateDict;
    }

    /// <summary>
    /// A loaded dict without its <c>lr_lambdas</c> entry, after checking that entry: present, and
    /// None for every function.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> Stripped(IReadOnlyDictionary<string, object?> stateDict)
    {
        var (entry, found, rest) = StateDictEntries.Split(stateDict, Key);
        if (!found) throw new ArgumentException($"state dict has no '{Key}' entry", nameof(stateDict));
        int i = 0;
        foreach (var item in SchedulerStateValues.Items(entry, Key))
        {
            if (item is not null)
                throw new ArgumentException($"state dict entry '{Key}'[{i}] holds the state of a Python callable object, which a .NET delegate cannot take", nameof(stateDict));
            i++;
        }
        return rest;
    }
}
