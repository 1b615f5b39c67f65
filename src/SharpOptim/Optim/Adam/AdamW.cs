namespace SharpOptim.Optim;

/// <summary>
/// AdamW — PyTorch's <c>torch.optim.AdamW</c>: <see cref="Adam"/> with decoupled weight decay
/// (the parameters shrink by <c>lr·weight_decay</c> each step; the decay never enters the moment
/// estimates), default <c>weightDecay</c> 1e-2. As in PyTorch it is Adam with
/// <c>decoupled_weight_decay</c> fixed to true, also when a state dict is loaded.
/// </summary>
public sealed class AdamW : Adam
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a number or a one-element tensor (default 1e-3).</param>
    /// <param name="betas">Coefficients of the running averages of the gradient and its square: two numbers or two one-element tensors (default (0.9, 0.999)).</param>
    /// <param name="eps">Term added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">Weight decay coefficient (default 1e-2).</param>
    /// <param name="amsgrad">Use the AMSGrad variant (keeps <c>max_exp_avg_sq</c>).</param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="foreach">True: the kernel path with the reference's exact rounding. Null with <paramref name="fused"/> null: the fastest path.</param>
    /// <param name="capturable">Accepted for PyTorch compatibility; a no-op on the CPU (see <see cref="Adam"/>).</param>
    /// <param name="differentiable">Record the step for autograd (reference path).</param>
    /// <param name="fused">True: the kernel path with fused multiply-adds and PyTorch's fused hyper-parameter arithmetic.</param>
    public AdamW(OptimizerParams parameters, FloatOrTensor? lr = null, (FloatOrTensor Beta1, FloatOrTensor Beta2)? betas = null,
                 double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false, bool? @foreach = null,
                 bool capturable = false, bool differentiable = false, bool? fused = null)
        : base(parameters, lr, betas, eps, weightDecay, amsgrad, @foreach: @foreach, maximize: maximize, capturable: capturable,
               differentiable: differentiable, fused: fused, decoupledWeightDecay: true)
    {
    }

    /// <summary>PyTorch's <c>AdamW.__setstate__</c>: a loaded group always decays decoupled.</summary>
    protected override void SetGroupDefaults(ParamGroup group)
    {
        base.SetGroupDefaults(group);
        group["decoupled_weight_decay"] = true;
    }
}
