using System.Numerics;
using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>The options NAdam's and RAdam's kernels read from a group (the same keys in both).</summary>
internal readonly record struct MomentHyper(double Beta1, double Beta2, double Eps, double WeightDecay, bool Decoupled, bool Maximize)
{
    public static MomentHyper Read(ParamGroup group)
    {
        var (beta1, beta2) = group.GetPair("betas");
        return new MomentHyper(beta1, beta2, group.GetDouble("eps"), group.GetDouble("weight_decay"),
                               group.GetBool("decoupled_weight_decay"), group.GetBool("maximize"));
    }
}

/// <summary>
/// The first half of NAdam's and RAdam's element step, in their reference order: the gradient
/// negated for <c>maximize</c>; weight decay, either decoupled (<c>param *= 1 - lr * weight_decay</c>,
/// the factor computed per parameter beforehand) or L2 (<c>grad += weight_decay * param</c>); then
/// the two moment updates. The caller goes on with the updated parameter, gradient and moments.
/// </summary>
internal readonly struct DecayedMoments<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly MomentUpdate<T> _moments;
    private readonly T _weightDecay, _decayFactor;
    private readonly bool _maximize, _l2, _decoupled;

    public DecayedMoments(in MomentHyper h, double decayFactor)
    {
        _moments = new MomentUpdate<T>(h.Beta1, h.Beta2);
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
        _moments.Apply<TMath>(ref expAvg, ref expAvgSq, grad);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<TMath>(ref Vector<T> param, ref Vector<T> grad, ref Vector<T> expAvg, ref Vector<T> expAvgSq) where TMath : IKernelMath
    {
        if (_maximize) grad = -grad;
        if (_decoupled) param *= new Vector<T>(_decayFactor);
        else if (_l2) grad = TMath.MulAdd(new Vector<T>(_weightDecay), param, grad);
        _moments.Apply<TMath>(ref expAvg, ref expAvgSq, grad);
    }
}
