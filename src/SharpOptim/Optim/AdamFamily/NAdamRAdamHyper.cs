namespace SharpOptim.Optim;

/// <summary>
/// A group's options as NAdam's and RAdam's steps both read them: the moments' options, lr as
/// the path takes it, the differentiable flag, and for the kernels the decoupled decay factor
/// <c>1 - lr * weight_decay</c> (1 when unused), the same for every parameter of the group.
/// </summary>
internal readonly record struct NAdamRAdamHyper(MomentHyper Moments, StepLr Lr, bool Differentiable, double DecayFactor)
{
    /// <summary>The options, after the step-time refusals both make (sparse gradients, tensor-lr rules) under <paramref name="name"/>.</summary>
    public static NAdamRAdamHyper Read(string name, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
    {
        StepGuards.CheckDenseStep(name, group, ps, anySparse);
        var h = MomentHyper.Read(group);
        var lr = StepLr.Read(group, path);
        double decayFactor = path != StepImplementation.Reference && h.WeightDecay != 0 && h.Decoupled ? (1 - lr.Kernel * h.WeightDecay).Value : 1;
        return new(h, lr, group.GetBool("differentiable"), decayFactor);
    }
}
