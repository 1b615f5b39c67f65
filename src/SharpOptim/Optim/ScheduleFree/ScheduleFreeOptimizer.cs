namespace SharpOptim.Optim;

/// <summary>
/// The part Schedule-Free SGD and AdamW share (Defazio et al. 2024, "The Road Less Scheduled";
/// reference: github.com/facebookresearch/schedule_free): the parameters hold the gradient point
/// <c>y</c> in train mode and the averaged point <c>x</c> in eval mode, and each parameter's state
/// holds the base sequence <c>z</c>, from which <c>x = (y − (1−β)·z)/β</c>.
/// Call <see cref="Train"/> before training (a step in eval mode throws, as the reference raises)
/// and <see cref="Eval"/> before evaluating, averaging the weights (<c>AveragedModel</c>,
/// <c>Swa.UpdateBn</c>) or saving a checkpoint. The mode is the group option <c>train_mode</c>,
/// and the averaging bookkeeping the group options <c>k</c>, <c>weight_sum</c>, <c>lr_max</c> and
/// <c>scheduled_lr</c>, as the reference keeps them, so they travel in the state dict.
/// </summary>
public abstract class ScheduleFreeOptimizer : Optimizer
{
    private const string NotInTrainMode = "Optimizer was not in train mode when step is called. Please insert .train() and .eval() calls on the optimizer. See documentation for details.";

    private protected ScheduleFreeOptimizer(OptimizerParams parameters, OrderedDictionary<string, object?> defaults)
        : base(parameters, defaults)
    {
    }

    /// <summary>Whether the first group is in train mode, the one a step checks (as the reference's does).</summary>
    public bool IsTrainMode => ParamGroups[0].GetBool("train_mode");

    /// <summary>
    /// Train mode: each group still in eval mode moves its parameters from <c>x</c> to
    /// <c>y = lerp(x, z, 1−β)</c> (those with a <c>z</c>; none before the first step) and records
    /// <c>train_mode</c>. A group already in train mode is left alone, so calling it twice is harmless.
    /// </summary>
    public void Train()
    {
        using var _ = Torch.NoGrad();
        foreach (var group in ParamGroups)
        {
            if (group.GetBool("train_mode")) continue;
            Interpolate(group, 1 - Beta(group));
            group["train_mode"] = true;
        }
    }

    /// <summary>
    /// Eval mode: each group in train mode moves its parameters from <c>y</c> to
    /// <c>x = lerp(y, z, 1−1/β)</c> and records <c>train_mode: False</c>. Every group's weight is
    /// computed before any parameter moves, so a β of 0 (the reference's ZeroDivisionError)
    /// changes nothing.
    /// </summary>
    public void Eval()
    {
        var weights = new double?[ParamGroups.Count];
        for (int g = 0; g < ParamGroups.Count; g++)
            if (ParamGroups[g].GetBool("train_mode")) weights[g] = 1 - PyMath.Div(1, Beta(ParamGroups[g]));
        using var _ = Torch.NoGrad();
        for (int g = 0; g < ParamGroups.Count; g++)
        {
            if (weights[g] is not { } weight) continue;
            Interpolate(ParamGroups[g], weight);
            ParamGroups[g]["train_mode"] = false;
        }
    }

    /// <summary>
    /// <c>p.lerp_(z, weight)</c> for each parameter of <paramref name="group"/> whose state has a
    /// <c>z</c>. Reading the state as the reference reads its <c>defaultdict</c> leaves an empty
    /// state for the others, so the state dict lists them as the reference's does.
    /// </summary>
    private void Interpolate(ParamGroup group, double weight)
    {
        foreach (var p in group.Params)
            if (StateFor(p).TryGetValue("z", out var z) && z is Tensor zTensor) p.Lerp_(zTensor, weight);
    }

    /// <summary>The interpolation β of a group: AdamW's <c>betas[0]</c>, SGD's <c>momentum</c>.</summary>
    private protected abstract double Beta(ParamGroup group);

    /// <summary>A step in eval mode is refused, before the closure runs, as the reference refuses it.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Overrides Optimizer.StepImpl.")]
    protected sealed override Tensor? StepImpl(Func<Tensor>? closure)
    {
        if (!IsTrainMode) throw new InvalidOperationException(NotInTrainMode);
        return base.StepImpl(closure);
    }

    /// <summary>The group's parameters stepped by the algorithm, then its averaging bookkeeping advanced (also when no parameter had a gradient, as in the reference).</summary>
    protected sealed override void StepGroup(ParamGroup group)
    {
        var schedule = ScheduleFreeSchedule.Read(group);
        StepParams(group);
        schedule.WriteTo(group);
    }

    /// <summary>The algorithm's update of the group's parameters with a gradient, from <see cref="ScheduleFreeSchedule.Read"/> of the group.</summary>
    private protected abstract void StepParams(ParamGroup group);
}
