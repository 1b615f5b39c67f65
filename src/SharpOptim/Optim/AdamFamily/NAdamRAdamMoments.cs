using System.Numerics;
using System.Runtime.CompilerServices;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// What NAdam's and RAdam's steps share before their own update, on the reference path (tensor
/// ops, in PyTorch's order): the moment state, the weight decay (L2 or decoupled) and the two
/// moment estimates <c>exp_avg</c> / <c>exp_avg_sq</c>. Their kernels do the same per element with
/// <see cref="DecayedMoments{T}"/>, and the two must stay operation for operation alike.
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

/// <summary>
/// The first half of NAdam's and RAdam's element step, as <see cref="NAdamRAdamMoments"/> does it
/// with tensor ops: the gradient negated for <c>maximize</c>; weight decay, either decoupled
/// (<c>param *= 1 - lr * weight_decay</c>, the factor computed per parameter beforehand) or L2
/// (<c>grad += weight_decay * param</c>); then <c>exp_avg.lerp_(grad, 1 - beta1)</c> in PyTorch's
/// two-branch lerp form and <c>exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)</c>,
/// each op rounded once. The caller goes on with the updated parameter, gradient and moments.
/// </summary>
internal readonly struct DecayedMoments<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly LerpWeight<T> _lerp;
    private readonly T _beta2, _oneMinusBeta2, _weightDecay, _decayFactor;
    private readonly bool _maximize, _l2, _decoupled;

    public DecayedMoments(in MomentHyper h, double decayFactor)
    {
        _lerp = new LerpWeight<T>(1 - h.Beta1);
        _beta2 = T.CreateTruncating(h.Beta2);
        _oneMinusBeta2 = T.CreateTruncating(1 - h.Beta2);
        _weightDecay = T.CreateTruncating(h.WeightDecay);
        _decayFactor = T.CreateTruncating(decayFactor);
        _maximize = h.Maximize;
        _l2 = h.WeightDecay != 0 && !h.Decoupled;
        _decoupled = h.WeightDecay != 0 && h.Decoupled;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<TMath>(ref T param, ref T grad, ref T expAvg, ref T expAvgSq) where TMath : IKernelMath
    {
        if (_maximize) grad = -grad;
        if (_decoupled) param *= _decayFactor;
        else if (_l2) grad = TMath.MulAdd(_weightDecay, param, grad);
        expAvg = _lerp.Apply<TMath>(expAvg, grad);
        expAvgSq = TMath.MulAdd(_oneMinusBeta2 * grad, grad, expAvgSq * _beta2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<TMath>(ref Vector<T> param, ref Vector<T> grad, ref Vector<T> expAvg, ref Vector<T> expAvgSq) where TMath : IKernelMath
    {
        if (_maximize) grad = -grad;
        if (_decoupled) param *= new Vector<T>(_decayFactor);
        else if (_l2) grad = TMath.MulAdd(new Vector<T>(_weightDecay), param, grad);
        expAvg = _lerp.Apply<TMath>(expAvg, grad);
        expAvgSq = TMath.MulAdd(new Vector<T>(_oneMinusBeta2) * grad, grad, expAvgSq * new Vector<T>(_beta2));
    }
}
