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
    private readonly LerpWeight<T> _lerp;
    private readonly T _beta2, _oneMinusBeta2;

    public MomentUpdate(double beta1, double beta2)
    {
        _lerp = new LerpWeight<T>(1 - beta1);
        _beta2 = T.CreateTruncating(beta2);
        _oneMinusBeta2 = T.CreateTruncating(1 - beta2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<TMath>(ref T expAvg, ref T expAvgSq, T grad) where TMath : IKernelMath
    {
        expAvg = _lerp.Apply<TMath>(expAvg, grad);
        expAvgSq = TMath.MulAdd(_oneMinusBeta2 * grad, grad, expAvgSq * _beta2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<TMath>(ref Vector<T> expAvg, ref Vector<T> expAvgSq, Vector<T> grad) where TMath : IKernelMath
    {
        expAvg = _lerp.Apply<TMath>(expAvg, grad);
        expAvgSq = TMath.MulAdd(new Vector<T>(_oneMinusBeta2) * grad, grad, expAvgSq * new Vector<T>(_beta2));
    }
}
