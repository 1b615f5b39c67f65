using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// One parameter's scalars for this step, computed before the dispatch (they depend on the
/// parameter's own <c>step</c> and <c>mu_product</c>): the decoupled decay factor
/// <c>1 - lr * weight_decay</c> (1 when unused), <c>bias_correction2</c>, and the <c>addcdiv</c>
/// values of the gradient and <c>exp_avg</c> terms.
/// </summary>
internal readonly record struct NAdamStepScalars(double DecayFactor, double BiasCorrection2, double GradCoefficient, double AvgCoefficient);

/// <summary>
/// NAdam in one pass over a chunk: read grad, param and both moments once, write param and
/// moments once, in the reference path's order of operations.
/// </summary>
internal static class NAdamKernel
{
    public static void Step<T, TMath>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq,
                                      in MomentHyper h, in NAdamStepScalars s)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        var decayedMoments = new DecayedMoments<T>(h, s.DecayFactor);
        T bc2 = T.CreateTruncating(s.BiasCorrection2);
        T eps = T.CreateTruncating(h.Eps);
        T gradCoef = T.CreateTruncating(s.GradCoefficient);
        T avgCoef = T.CreateTruncating(s.AvgCoefficient);

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var bc2V = new Vector<T>(bc2);
            var epsV = new Vector<T>(eps);
            var gradCoefV = new Vector<T>(gradCoef);
            var avgCoefV = new Vector<T>(avgCoef);
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var p = new Vector<T>(param[i..]);
                var g = new Vector<T>(grad[i..]);
                var m = new Vector<T>(expAvg[i..]);
                var v = new Vector<T>(expAvgSq[i..]);
                decayedMoments.Apply<TMath>(ref p, ref g, ref m, ref v);
                var denom = Vector.SquareRoot(v / bc2V) + epsV;
                p += gradCoefV * g / denom;
                p += avgCoefV * m / denom;
                p.CopyTo(param[i..]);
                m.CopyTo(expAvg[i..]);
                v.CopyTo(expAvgSq[i..]);
            }
        }
        for (; i < param.Length; i++)
        {
            T p = param[i];
            T g = grad[i];
            decayedMoments.Apply<TMath>(ref p, ref g, ref expAvg[i], ref expAvgSq[i]);
            T denom = T.Sqrt(expAvgSq[i] / bc2) + eps;
            p += gradCoef * g / denom;
            p += avgCoef * expAvg[i] / denom;
            param[i] = p;
        }
    }
}

/// <summary>NAdam's kernel on one chunk of tensor <c>tensor</c>, with that tensor's step scalars.</summary>
internal readonly struct NAdamChunk<TMath>(MomentHyper hyper, NAdamStepScalars[] scalars) : IMomentChunkKernel where TMath : IKernelMath
{
    public void Step<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq, int tensor) where T : unmanaged, IFloatingPointIeee754<T>
        => NAdamKernel.Step<T, TMath>(param, grad, expAvg, expAvgSq, hyper, scalars[tensor]);
}
