namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// The momentum set-up <see cref="CyclicLR"/> and <see cref="OneCycleLR"/> share: the optimizer
/// must have <c>momentum</c> or <c>betas</c> among its defaults (betas win: then <c>betas[0]</c> is
/// cycled), the boundaries are expanded per group, and on a fresh start each group gets
/// <c>max_momentum</c> as its momentum plus <c>max_momentum</c>/<c>base_momentum</c> entries.
/// </summary>
internal static class MomentumCycle
{
    public static (bool UseBeta1, List<FloatOrTensor> BaseMomentums, List<FloatOrTensor> MaxMomentums) Setup(
        Optimizer optimizer, PerGroup baseMomentum, PerGroup maxMomentum, bool writeStart, bool maxFirst)
    {
        if (!optimizer.Defaults.ContainsKey("momentum") && !optimizer.Defaults.ContainsKey("betas"))
            throw new ArgumentException("optimizer must support momentum or beta1 with `cycle_momentum` option enabled", "cycleMomentum");
        bool useBeta1 = optimizer.Defaults.ContainsKey("betas");
        List<FloatOrTensor> bases, maxes;
        if (maxFirst)
        {
            maxes = maxMomentum.Expand("max_momentum", optimizer);
            bases = baseMomentum.Expand("base_momentum", optimizer);
        }
        else
        {
            bases = baseMomentum.Expand("base_momentum", optimizer);
            maxes = maxMomentum.Expand("max_momentum", optimizer);
        }
        if (writeStart)
        {
            for (int i = 0; i < optimizer.ParamGroups.Count; i++)
            {
                var group = optimizer.ParamGroups[i];
                ParamGroupValues.WriteMomentum(group, useBeta1, maxes[i]);
                group["max_momentum"] = maxes[i].AsOption;
                group["base_momentum"] = bases[i].AsOption;
            }
        }
        return (useBeta1, bases, maxes);
    }
}
