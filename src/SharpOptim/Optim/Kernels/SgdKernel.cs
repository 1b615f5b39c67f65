using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>SGD's hyper-parameters for one group, as the kernel reads them.</summary>
internal readonly record struct SgdHyper(double Lr, double Momentum, double Dampening, double WeightDecay, bool Nesterov, bool Maximize);

/// <summary>
/// SGD in one pass over a chunk: read grad, param and momentum buffer once, write param and
/// buffer once. The operations are the reference's, in its order; the TMath type argument
/// decides whether each multiply-add rounds twice (foreach) or once (fused).
/// </summary>
internal static class SgdKernel
{
    public static void Step<T, TMath>(Span<T> param, ReadOnlySpan<T> grad, Span<T> buffer, bool initBuffer, in SgdHyper h)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        // Scalars are cast to the element type first, as PyTorch's CPU kernels cast alpha/value.
        T wd = T.CreateTruncating(h.WeightDecay);
        T m = T.CreateTruncating(h.Momentum);
        T oneMinusDampening = T.CreateTruncating(1 - h.Dampening);
        T negLr = T.CreateTruncating(-h.Lr);
        bool decay = h.WeightDecay != 0, momentum = h.Momentum != 0;

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wdV = new Vector<T>(wd);
            var mV = new Vector<T>(m);
            var dV = new Vector<T>(oneMinusDampening);
            var lrV = new Vector<T>(negLr);
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var p = new Vector<T>(param[i..]);
                var g = new Vector<T>(grad[i..]);
                if (h.Maximize) g = -g;
                if (decay) g = TMath.MulAdd(wdV, p, g);
                if (momentum)
                {
                    var b = initBuffer ? g : TMath.MulAdd(dV, g, new Vector<T>(buffer[i..]) * mV);
                    b.CopyTo(buffer[i..]);
                    g = h.Nesterov ? TMath.MulAdd(mV, b, g) : b;
                }
                TMath.MulAdd(lrV, g, p).CopyTo(param[i..]);
            }
        }
        for (; i < param.Length; i++)
        {
            T p = param[i];
            T g = h.Maximize ? -grad[i] : grad[i];
            if (decay) g = TMath.MulAdd(wd, p, g);
            if (momentum)
            {
                T b = initBuffer ? g : TMath.MulAdd(oneMinusDampening, g, buffer[i] * m);
                buffer[i] = b;
                g = h.Nesterov ? TMath.MulAdd(m, b, g) : b;
            }
            param[i] = TMath.MulAdd(negLr, g, p);
        }
    }
}
