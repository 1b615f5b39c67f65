namespace SharpOptim.Serialization;

/// <summary>
/// Turns the unpickler's values into the public ones, once the pickle is fully read:
/// a dict whose keys are all strings becomes <c>OrderedDictionary&lt;string, object?&gt;</c>, any
/// other dict <c>OrderedDictionary&lt;object, object?&gt;</c>; a list <c>List&lt;object?&gt;</c>; a tuple
/// <see cref="PyTuple"/>; a set <c>HashSet&lt;object&gt;</c>; a dtype <see cref="DType"/>. An object
/// referenced twice stays one object. Cycles, nesting deeper than
/// <see cref="CheckpointLimits.MaxNestingDepth"/> and shared references that expand past
/// <see cref="CheckpointLimits.MaxExpandedValues"/> are refused, so that code walking the result
/// (a deep copy, a printout, a save) can neither overflow the stack nor run for ever.
/// </summary>
internal sealed class LoadedValueConverter
{
    private readonly Dictionary<object, (object Value, long Expanded)> _done = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<object> _open = new(ReferenceEqualityComparer.Instance);

    public object? Convert(object? raw) => Visit(raw, 0).Value;

    private (object? Value, long Expanded) Visit(object? raw, int depth)
    {
        switch (raw)
        {
            case null or string or long or double or bool or byte[] or Tensor:
                return (raw, 1);
            case PickleGlobal g:
                return (DTypeValue(g), 1);
            case LoadedStorage:
                throw Bad("a bare storage object is not a value SharpOptim can return (only tensors over storages)");
        }
        if (_done.TryGetValue(raw, out var done)) return done;
        if (depth >= CheckpointLimits.MaxNestingDepth) throw Bad($"containers are nested more than {CheckpointLimits.MaxNestingDepth} deep");
        if (!_open.Add(raw)) throw Bad("a container contains itself");
        long expanded = 1;
        object result;
        switch (raw)
        {
            case RawDict d when d.Items.Keys.All(k => k is string):
            {
                var dict = new OrderedDictionary<string, object?>(d.Items.Count);
                foreach (var (k, v) in d.Items) dict[(string)k] = Child(v, depth, ref expanded);
                result = dict;
                break;
            }
            case RawDict d:
            {
                var dict = new OrderedDictionary<object, object?>(d.Items.Count, PyKeyComparer.Instance);
                foreach (var (k, v) in d.Items) dict[k] = Child(v, depth, ref expanded);
                result = dict;
                break;
            }
            case List<object?> list:
            {
                var copy = new List<object?>(list.Count);
                foreach (var item in list) copy.Add(Child(item, depth, ref expanded));
                result = copy;
                break;
            }
            case PyTuple tuple:
            {
                var items = new object?[tuple.Count];
                for (int i = 0; i < items.Length; i++) items[i] = Child(tuple[i], depth, ref expanded);
                result = new PyTuple(items);
                break;
            }
            case RawSet set:
                expanded += set.Items.Count;
                result = new HashSet<object>(set.Items, PyKeyComparer.Instance);
                break;
            default:
                throw new InvalidOperationException($"unexpected unpickled value {raw.GetType().Name}");
        }
        if (expanded > CheckpointLimits.MaxExpandedValues)
            throw Bad($"shared references expand to more than {CheckpointLimits.MaxExpandedValues} values");
        _open.Remove(raw);
        _done[raw] = (result, expanded);
        return (result, expanded);
    }

    private object? Child(object? raw, int depth, ref long expanded)
    {
        var (value, size) = Visit(raw, depth + 1);
        expanded = Math.Min(expanded + size, CheckpointLimits.MaxExpandedValues + 1);
        return value;
    }

    /// <summary>A dtype loaded as a value (e.g. <c>{"dtype": torch.float64}</c>); other globals cannot be values.</summary>
    private static DType DTypeValue(PickleGlobal g)
    {
        if (g.Kind != GlobalKind.DType) throw Bad($"{g.FullName} appears as a value; only dtypes can");
        return g.Element?.TorchDType switch
        {
            "float32" => DType.Float32,
            "float64" => DType.Float64,
            "int64" => DType.Int64,
            "bool" => DType.Bool,
            _ => throw Bad($"the dtype torch.{g.Name} appears as a value, and SharpOptim has no such dtype"),
        };
    }

    private static CheckpointFormatException Bad(string message) => Unpickler.Bad(message);
}
