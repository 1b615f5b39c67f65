namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// The options of every parameter group at one moment, so that a scheduler whose construction
/// fails half way (after writing lrs, momenta or <c>initial_lr</c>) can put the optimizer back
/// exactly as it was: removed keys, replaced values, and the values inside one-element tensors
/// that were filled in place.
/// </summary>
internal sealed class ParamGroupsSnapshot
{
    private readonly List<(ParamGroup Group, List<(string Key, object? Value, double? TensorValue)> Options)> _groups;

    private ParamGroupsSnapshot(Optimizer optimizer)
    {
        _groups = optimizer.ParamGroups.Select(g => (g, g.Select(kv => (kv.Key, kv.Value, kv.Value is Tensor { Numel: 1 } t ? t.Item() : (double?)null)).ToList())).ToList();
    }

    public static ParamGroupsSnapshot Take(Optimizer optimizer) => new(optimizer);

    public void Restore()
    {
        foreach (var (group, options) in _groups)
        {
            var kept = options.Select(o => o.Key).ToHashSet();
            foreach (var key in group.Keys.Where(k => !kept.Contains(k)).ToList()) group.Remove(key);
            foreach (var (key, value, tensorValue) in options)
            {
                if (key == "param_names") continue;
                group[key] = value;
                if (value is Tensor t && tensorValue is double v)
                    using (Torch.NoGrad()) t.Fill_(v);
            }
        }
    }
}
