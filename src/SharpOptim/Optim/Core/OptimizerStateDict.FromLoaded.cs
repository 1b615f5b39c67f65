using System.Collections;

namespace SharpOptim.Optim;

// Conversion from the plain nested values a checkpoint reader returns.
public sealed partial class OptimizerStateDict
{
    /// <summary>
    /// An optimizer state dict from nested dictionaries and lists, as <c>Torch.Load</c> returns
    /// PyTorch's <c>optimizer.state_dict()</c>: <c>state</c> keyed by integer parameter index
    /// (any integer type), each entry a string-keyed dictionary; <c>param_groups</c> a list of
    /// string-keyed dictionaries whose <c>params</c> list integers (and <c>param_names</c>
    /// strings). Other keys of the outer dictionary are ignored, as PyTorch ignores them. The
    /// values themselves (tensors, numbers, tuples) are taken as they are: loading casts and
    /// copies them.
    /// </summary>
    /// <exception cref="ArgumentException">A part is missing or has the wrong shape; the message names it.</exception>
    public static OptimizerStateDict FromLoaded(IReadOnlyDictionary<string, object?> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (!stateDict.TryGetValue("state", out var stateValue) || stateValue is not IDictionary state)
            throw new ArgumentException($"loaded optimizer state dict needs a 'state' dictionary, got {StateValues.Describe(stateValue)}", nameof(stateDict));
        if (!stateDict.TryGetValue("param_groups", out var groupsValue) || groupsValue is not IEnumerable groups || groupsValue is string or IDictionary)
            throw new ArgumentException($"loaded optimizer state dict needs a 'param_groups' list, got {StateValues.Describe(groupsValue)}", nameof(stateDict));

        var packedState = new OrderedDictionary<object, OrderedDictionary<string, object?>>();
        foreach (DictionaryEntry entry in state)
        {
            int index = entry.Key switch
            {
                int i => i,
                long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                _ => throw new ArgumentException($"loaded optimizer state is keyed by {StateValues.Describe(entry.Key)}, not a parameter index", nameof(stateDict)),
            };
            packedState[index] = StringKeyed(entry.Value, $"state for parameter {index}");
        }

        var packedGroups = new List<OrderedDictionary<string, object?>>();
        foreach (var g in groups)
        {
            var group = StringKeyed(g, $"param group {packedGroups.Count}");
            if (group.TryGetValue("params", out var ids) && ids is IEnumerable idList and not string)
                group["params"] = idList.Cast<object?>().Select(x => x switch
                {
                    int i => i,
                    long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                    _ => throw new ArgumentException($"loaded param group {packedGroups.Count} lists a parameter id that is not an integer: {StateValues.Describe(x)}", nameof(stateDict)),
                }).ToList();
            if (group.TryGetValue("param_names", out var names) && names is IEnumerable nameList and not string)
                group["param_names"] = nameList.Cast<object?>().Select(x => x as string
                    ?? throw new ArgumentException($"loaded param group {packedGroups.Count} has a parameter name that is not a string: {StateValues.Describe(x)}", nameof(stateDict))).ToList();
            packedGroups.Add(group);
        }
        return new OptimizerStateDict(packedState, packedGroups);
    }

    private static OrderedDictionary<string, object?> StringKeyed(object? value, string what)
    {
        if (value is not IDictionary dict)
            throw new ArgumentException($"loaded {what} is {StateValues.Describe(value)}, not a dictionary", "stateDict");
        var result = new OrderedDictionary<string, object?>(dict.Count);
        foreach (DictionaryEntry e in dict)
            result[e.Key as string ?? throw new ArgumentException($"loaded {what} has a key that is not a string: {StateValues.Describe(e.Key)}", "stateDict")] = e.Value;
        return result;
    }
}
