using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.LrScheduler;

/// <summary>How schedulers read and write the options of an optimizer's parameter groups, as PyTorch's helpers do.</summary>
internal static class ParamGroupValues
{
    /// <summary>
    /// <c>group[key]</c> of every group, tensors cloned so the list never aliases the groups
    /// (PyTorch's <c>_param_groups_val_list</c>). A missing key throws.
    /// </summary>
    public static List<FloatOrTensor> Read(Optimizer optimizer, string key) => ReadInto(optimizer, key, []);

    /// <summary>As <see cref="Read"/>, into <paramref name="into"/> (cleared first), so that a step that reads the groups allocates no list.</summary>
    public static List<FloatOrTensor> ReadInto(Optimizer optimizer, string key, List<FloatOrTensor> into)
    {
        into.Clear();
        var groups = optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++) into.Add(FloatOrTensor.FromOption(groups[i].Peek(key), key).Clone());
        return into;
    }

    /// <summary>
    /// Sets <c>group[key]</c> to <paramref name="value"/>; when the group holds a tensor there, the
    /// value is written into that tensor in place, so a tensor lr stays the same tensor
    /// (PyTorch's <c>_update_param_group_val</c>). A missing key throws.
    /// </summary>
    public static void Write(ParamGroup group, string key, FloatOrTensor value)
    {
        if (group.Peek(key) is Tensor current)
        {
            using (Torch.NoGrad()) current.Fill_(value.Value);
        }
        else if (value.Tensor is { } tensor) group[key] = tensor;
        else group.WriteNumber(key, value.Value);
    }

    /// <summary>
    /// Writes a cycled momentum: <c>betas[0]</c> when the optimizer has betas (Adam and its kin),
    /// else <c>momentum</c>. The rest of <c>betas</c> is kept as it was.
    /// </summary>
    public static void WriteMomentum(ParamGroup group, bool useBeta1, FloatOrTensor value)
    {
        if (!useBeta1)
        {
            if (value.Tensor is { } tensor) group["momentum"] = tensor;
            else group.WriteNumber("momentum", value.Value);
            return;
        }
        var betas = group.Peek("betas");
        if (betas is ValueTuple<double, double> pair && !value.IsTensor)
        {
            group.WritePair("betas", (value.Value, pair.Item2));
            return;
        }
        object? second = betas switch
        {
            ITuple { Length: 2 } t => t[1],
            IReadOnlyList<double> { Count: 2 } l => l[1],
            IList<object?> { Count: 2 } l => l[1],
            var other => throw new InvalidCastException($"option 'betas' is {StateValues.Describe(other)}, not a pair"),
        };
        group["betas"] = (value.AsOption, second) switch
        {
            (double b1, double b2) => (b1, b2),
            var (b1, b2) => (b1, b2),
        };
    }
}
