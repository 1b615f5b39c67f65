using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// One parameter's scalars for this step (they depend on its own <c>step</c>): the decoupled decay
/// factor (1 when unused), <c>lr</c>'s value, <c>bias_correction1</c>, and whether this step is
/// rectified, with <c>bias_correction2 ** 0.5</c> and the rectification term when it is.
/// </summary>
internal readonly record struct RAdamStepScalars(double DecayFactor, double Lr, double BiasCorrection1, bool Rectified,
                                                 double SqrtBiasCorrection2, double Rect);

/// <summary>
/// RAdam in one pass over a chunk, in the reference path's order of operations: the rectified
/// update <c>((exp_avg / bc1) * lr * (reciprocal(sqrt(exp_avg_sq) + eps) * sqrt(bc2))) * rect</c>, or the
/// plain momentum update <c>(exp_avg / bc1) * lr</c> while the variance is not yet tractable.
/// </summary>
internal static class RAdamKernel
{
    public static void Step<T, TMath>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq,
                                      in MomentHyper h, in RAdamStepScalars s)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        var decayedMoments = new DecayedMoments<T>(h, s.DecayFactor);
        T lr = T.CreateTruncating(s.Lr);
        T bc1 = T.CreateTruncating(s.BiasCorrection1);
        T eps = T.CreateTruncating(h.Eps);
        T sqrtBc2 = T.CreateTruncating(s.SqrtBiasCorrection2);
        T rect = T.CreateTruncating(s.Rect);

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var lrV = new Vector<T>(lr);
            var bc1V = new Vector<T>(bc1);
            var epsV = new Vector<T>(eps);
            var sqrtBc2V = new Vector<T>(sqrtBc2);
            var rectV = new Vector<T>(rect);
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var p = new Vector<T>(param[i..]);
                var g = new Vector<T>(grad[i..]);
                var m = new Vector<T>(expAvg[i..]);
                var v = new Vector<T>(expAvgSq[i..]);
                decayedMoments.Apply<TMath>(ref p, ref g, ref m, ref v);
                var update = m / bc1V * lrV;
                if (s.Rectified) update = update * (Vector<T>.One / (Vector.SquareRoot(v) + epsV) * sqrtBc2V) * rectV;
                (p - update).CopyTo(param[i..]);
                m.CopyTo(expAvg[i..]);
                v.CopyTo(expAvgSq[i..]);
            }
        }
        for (; i < param.Length; i++)
        {
            T p = param[i];
            T g = grad[i];
            decayedMoments.Apply<TMath>(ref p, ref g, ref expAvg[i], ref expAvgSq[i]);
            T update = expAvg[i] / bc1 * lr;
            if (s.Rectified) update = update * (T.One / (T.Sqrt(expAvgSq[i]) + eps) * sqrtBc2) * rect;
            param[i] = p - update;
        }
    }
}

/// <summary>RAdam's kernel on one chunk of tensor <c>tensor</c>, with that tensor's step scalars.</summary>
internal readonly struct RAdamChunk<TMath>(MomentHyper hyper, RAdamStepScalars[] scalars) : IMomentChunkKernel where TMath : IKernelMath
{
    public void Step<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq, int tensor) where T : unmanaged, IFloatingPointIeee754<T>
        => RAdamKernel.Step<T, TMath>(param, grad, expAvg, expAvgSq, hyper, scalars[tensor]);
}
