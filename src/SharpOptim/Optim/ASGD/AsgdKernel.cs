using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// One parameter's scalars for this step, read from its state before the step updates it:
/// the decay factor <c>1 - lambd * eta</c>, <c>eta</c> itself, and <c>mu</c> with whether it averages
/// (<c>mu != 1</c>; otherwise <c>ax</c> is just a copy of the parameter).
/// </summary>
internal readonly record struct AsgdStepScalars(double DecayFactor, double Eta, double Mu, bool Averaging);

/// <summary>
/// ASGD in one pass over a chunk, in the reference path's order: the decayed SGD step
/// <c>p = p * (1 - lambd * eta) - eta * grad</c>, then the running average <c>ax += (p - ax) * mu</c>.
/// The average is never contracted: PyTorch computes it as three tensor ops (<c>sub</c>, <c>mul_</c>,
/// <c>add_</c>), each rounded, so the fused path stays equal to PyTorch's for-loop there too.
/// </summary>
internal static class AsgdKernel
{
    public static void Step<T, TMath>(Span<T> param, ReadOnlySpan<T> grad, Span<T> ax, double weightDecay, bool maximize, in AsgdStepScalars s)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        T wd = T.CreateTruncating(weightDecay);
        T decay = T.CreateTruncating(s.DecayFactor);
        T negEta = T.CreateTruncating(-s.Eta);
        T mu = T.CreateTruncating(s.Mu);
        bool l2 = weightDecay != 0;

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wdV = new Vector<T>(wd);
            var decayV = new Vector<T>(decay);
            var negEtaV = new Vector<T>(negEta);
            var muV = new Vector<T>(mu);
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var p = new Vector<T>(param[i..]);
                var g = new Vector<T>(grad[i..]);
                if (maximize) g = -g;
                if (l2) g = TMath.MulAdd(wdV, p, g);
                p = TMath.MulAdd(negEtaV, g, p * decayV);
                p.CopyTo(param[i..]);
                if (s.Averaging)
                {
                    var a = new Vector<T>(ax[i..]);
                    (a + (p - a) * muV).CopyTo(ax[i..]);
                }
                else p.CopyTo(ax[i..]);
            }
        }
        for (; i < param.Length; i++)
        {
            T p = param[i];
            T g = maximize ? -grad[i] : grad[i];
            if (l2) g = TMath.MulAdd(wd, p, g);
            p = TMath.MulAdd(negEta, g, p * decay);
            param[i] = p;
            ax[i] = s.Averaging ? ax[i] + (p - ax[i]) * mu : p;
        }
    }
}
