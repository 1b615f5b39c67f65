using System.Numerics;
using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// The moment updates of the Adam family for one element (or one vector of elements), in the
/// reference path's order: <c>exp_avg.lerp_(grad, 1 - beta1)</c> in PyTorch's two-branch lerp form
/// and <c>exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)</c>.
/// </summary>
internal readonly struct MomentUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _weight, _oneMinusWeight, _beta2, _oneMinusBeta2;
    private readonly bool _smallWeight;

    public MomentUpdate(double beta1, double beta2)
    {
        // As the tensor ops cast each scalar to the element type: lerp's weight, then 1 - weight in T.
        _weight = T.CreateTruncating(1 - beta1);
        _oneMinusWeight = T.One - _weight;
        _smallWeight = T.Abs(_weight) < T.CreateTruncating(0.5);
        _beta2 = T.CreateTruncating(beta2);
        _oneMinusBeta2 = T.CreateTruncating(1 - beta2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<TMath>(ref T expAvg, ref T expAvgSq, T grad) where TMath : IKernelMath
    {
        T diff = grad - expAvg;
        expAvg = _smallWeight ? TMath.MulAdd(_weight, diff, expAvg) : TMath.MulAdd(-diff, _oneMinusWeight, grad);
        expAvgSq = TMath.MulAdd(_oneMinusBeta2 * grad, grad, expAvgSq * _beta2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<TMath>(ref Vector<T> expAvg, ref Vector<T> expAvgSq, Vector<T> grad) where TMath : IKernelMath
    {
        var diff = grad - expAvg;
        expAvg = _smallWeight
            ? TMath.MulAdd(new Vector<T>(_weight), diff, expAvg)
            : TMath.MulAdd(-diff, new Vector<T>(_oneMinusWeight), grad);
        expAvgSq = TMath.MulAdd(new Vector<T>(_oneMinusBeta2) * grad, grad, expAvgSq * new Vector<T>(_beta2));
    }
}
