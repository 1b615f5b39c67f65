namespace SharpOptim.Optim;

/// <summary>
/// What NAdam and RAdam share with Adam, in PyTorch's words: the constructor checks of <c>lr</c>,
/// <c>eps</c>, <c>betas</c> and <c>weight_decay</c>, the L2 or decoupled weight decay, and the two
/// moment estimates <c>exp_avg</c> / <c>exp_avg_sq</c> (reference path, as tensor ops).
/// Separate from <see cref="AdamFamily"/>, which serves Adam (whose <c>betas</c> may be tensors,
/// stored as 0-d tensors) and Adamax and reads betas back in either form; here <c>betas</c> are
/// plain floats. The range checks both use live in <see cref="Validation"/>.
/// </summary>
internal static class AdaptiveMoments
{
    /// <summary>The default <c>betas</c>, (0.9, 0.999).</summary>
    public static readonly (double, double) DefaultBetas = (0.9, 0.999);

    /// <summary>PyTorch's checks, in its order: lr, eps, betas[0], betas[1], weight_decay.</summary>
    public static void CheckOptions(FloatOrTensor lr, (double Beta1, double Beta2) betas, double eps, double weightDecay)
    {
        Validation.CheckLrRefusingNaN(lr);
        Validation.CheckNonNegative(eps, "epsilon", nameof(eps));
        Validation.CheckBeta(betas.Beta1, 0);
        Validation.CheckBeta(betas.Beta2, 1);
        Validation.CheckNonNegative(weightDecay, "weight_decay", nameof(weightDecay));
    }

    /// <summary>
    /// Weight decay before the moments: decoupled shrinks the parameter in place by
    /// <c>1 - lr * weight_decay</c> (AdamW-style); otherwise the L2 term joins the gradient.
    /// Returns the gradient the moments should use.
    /// </summary>
    public static Tensor ApplyWeightDecay(Tensor param, Tensor grad, PyScalar lr, double weightDecay, bool decoupled)
    {
        if (weightDecay == 0) return grad;
        if (!decoupled) return grad.Add(param, alpha: weightDecay);
        (1 - lr * weightDecay).ScaleInPlace(param);
        return grad;
    }

    /// <summary><c>exp_avg.lerp_(grad, 1 - beta1)</c>; <c>exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)</c>.</summary>
    public static void Update(Tensor expAvg, Tensor expAvgSq, Tensor grad, double beta1, double beta2)
    {
        expAvg.Lerp_(grad, 1 - beta1);
        expAvgSq.Mul_(beta2).Addcmul_(grad, grad, value: 1 - beta2);
    }

    /// <summary>The lazily created state entries <c>exp_avg</c> and <c>exp_avg_sq</c> (zeros like the parameter).</summary>
    public static void AddZeroMoments(OrderedDictionary<string, object?> state, Tensor param)
    {
        state["exp_avg"] = Torch.ZerosLike(param);
        state["exp_avg_sq"] = Torch.ZerosLike(param);
    }
}
