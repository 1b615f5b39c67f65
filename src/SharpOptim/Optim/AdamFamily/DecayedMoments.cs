using System.Numerics;
using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// The first half of the element step of Adam, AdamW, NAdam and RAdam, one vector at a time, as
/// their reference paths do it with tensor ops (<see cref="NAdamRAdamMoments"/>, Adam's
/// <c>Reference</c>): the gradient negated for <c>maximize</c>; weight decay, either decoupled
/// (<c>param *= 1 - lr * weight_decay</c>, the factor computed per parameter beforehand) or L2
/// (<c>grad += weight_decay * param</c>); then <c>exp_avg.lerp_(grad, 1 - beta1)</c> in PyTorch's
/// two-branch lerp form and <c>exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)</c>,
/// each one-op multiply-add rounded once. The caller goes on with the updated parameter, gradient
/// and moments. Built from numbers, so Adam can pass its own (a tensor beta rounds them to its dtype).
/// </summary>
internal readonly struct DecayedMoments<T, TVec>
    where T : unmanaged, IFloatingPointIeee754<T> where TVec : struct, ISimdVector<TVec, T>
{
    private readonly LerpWeight<T> _lerp;
    private readonly TVec _beta2, _oneMinusBeta2, _l2WeightDecay, _decayFactor;
    private readonly bool _maximize, _l2, _decoupled;

    /// <param name="lerpWeight"><c>1 - beta1</c>, as the algorithm computes it.</param>
    /// <param name="beta2">The second moment's decay.</param>
    /// <param name="oneMinusBeta2"><c>1 - beta2</c>, as the algorithm computes it.</param>
    /// <param name="l2WeightDecay">The L2 term's coefficient: 0 when decay is decoupled or off.</param>
    /// <param name="decayFactor">The decoupled decay's <c>1 - lr * weight_decay</c>: 1 when it is not decoupled or off.</param>
    /// <param name="maximize">Negate the gradient first.</param>
    public DecayedMoments(double lerpWeight, double beta2, double oneMinusBeta2, double l2WeightDecay, double decayFactor, bool maximize)
    {
        _lerp = new LerpWeight<T>(lerpWeight);
        _beta2 = TVec.Create(T.CreateTruncating(beta2));
        _oneMinusBeta2 = TVec.Create(T.CreateTruncating(oneMinusBeta2));
        _l2WeightDecay = TVec.Create(T.CreateTruncating(l2WeightDecay));
        _decayFactor = TVec.Create(T.CreateTruncating(decayFactor));
        _maximize = maximize;
        _l2 = l2WeightDecay != 0;
        _decoupled = decayFactor != 1;
    }

    /// <summary>NAdam's and RAdam's moments, from their options (the decay factor computed per parameter).</summary>
    public static DecayedMoments<T, TVec> Of(in MomentHyper h, double decayFactor)
        => new(1 - h.Beta1, h.Beta2, 1 - h.Beta2, h.Decoupled ? 0 : h.WeightDecay, decayFactor, h.Maximize);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply(ref TVec param, ref TVec grad, ref TVec expAvg, ref TVec expAvgSq)
    {
        if (_maximize) grad = -grad;
        if (_decoupled) param *= _decayFactor;
        else if (_l2) grad = TVec.MulAdd(_l2WeightDecay, param, grad);
        expAvg = _lerp.Apply(expAvg, grad);
        expAvgSq = TVec.MulAdd(_oneMinusBeta2 * grad, grad, expAvgSq * _beta2);
    }
}
