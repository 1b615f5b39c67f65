using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.LrScheduler;

/// <summary>How schedulers read and write the options of an optimizer's parameter groups, as PyTorch's helpers do.</summary>
internal static class ParamGroupValues
{
    /// <summary>
    /// <c>group[key]</c> of every group, tensors cloned so the list never aliases the groups
    /// (PyTorch's <c>_param_groups_val_list</c>). A missing key throws.
    /// </summary>
    public static List<FloatOrTensor> Read(Optimizer optimizer, string key)
        => optimizer.ParamGroups.Select(g => FloatOrTensor.FromOption(g[key], key).Clone()).ToList();

    /// <summary>
    /// Sets <c>group[key]</c> to <paramref name="value"/>; when the group holds a tensor there, the
    /// value is written into that tensor in place, so a tensor lr stays the same tensor
    /// (PyTorch's <c>_update_param_group_val</c>). A missing key throws.
    /// </summary>
    public static void Write(ParamGroup group, string key, FloatOrTensor value)
    {
        if (group[key] is Tensor current)
        {
            using (Torch.NoGrad()) current.Fill_(value.Value);
        }
        else group[key] = value.AsOption;
    }

    /// <summary>
    /// Writes a cycled momentum: <c>betas[0]</c> when the optimizer has betas (Adam and its kin),
    /// else <c>momentum</c>. The rest of <c>betas</c> is kept as it was.
    /// </summary>
    public static void WriteMomentum(ParamGroup group, bool useBeta1, FloatOrTensor value)
    {
        if (!useBeta1)
        {
            group["momentum"] = value.AsOption;
            return;
        }
        object? second = group["betas"] switch
        {
            ITuple { Length: 2 } t => t[1],
            IReadOnlyList<double> { Count: 2 } l => l[1],
            IList<object?> { Count: 2 } l => l[1],
            var other => throw new InvalidCastException($"option 'betas' is {StateValues.Describe(other)}, not a pair"),
        };
        group["betas"] = (value.AsOption, second) switch
        {
            (double b1, double b2) => (b1, b2),
            var (b1, b2) => ((object)b1, b2),
        };
    }
}
