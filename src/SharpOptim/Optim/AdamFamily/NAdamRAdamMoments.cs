using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// What NAdam's and RAdam's steps share before their own update, on the reference path (tensor
/// ops, in PyTorch's order): the moment state, the weight decay (L2 or decoupled) and the two
/// moment estimates <c>exp_avg</c> / <c>exp_avg_sq</c>. Their kernels do the same per element with
/// <see cref="DecayedMoments{T, TVec}"/>, and the two must stay operation for operation alike.
/// </summary>
internal static class NAdamRAdamMoments
{
    /// <summary>The lazily created state entries <c>exp_avg</c> and <c>exp_avg_sq</c> (zeros like the parameter).</summary>
    public static void AddZeroMoments(OrderedDictionary<string, object?> state, Tensor param)
    {
        state["exp_avg"] = Torch.ZerosLike(param);
        state["exp_avg_sq"] = Torch.ZerosLike(param);
    }

    /// <summary>
    /// Weight decay before the moments: decoupled shrinks the parameter in place by
    /// <c>1 - lr * weight_decay</c> (AdamW-style); otherwise the L2 term joins the gradient.
    /// Returns the gradient the moments should use.
    /// </summary>
    public static Tensor ApplyWeightDecay(Tensor param, Tensor grad, PyNumber lr, double weightDecay, bool decoupled)
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
}
