using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>Adagrad's hyper-parameters for one group, as its step reads them.</summary>
internal readonly record struct AdagradHyper(double LrDecay, double WeightDecay, double Eps, bool Maximize);

/// <summary>
/// Adagrad's dense update over one chunk: <c>g = ±grad (+ wd·p)</c>, <c>sum += g·g</c>,
/// <c>p += -clr·g / (√sum + eps)</c>, with <c>clr</c> the parameter's decayed learning rate.
/// </summary>
internal static class AdagradKernel
{
    public static void Step<T, TMath>(Span<T> param, ReadOnlySpan<T> grad, Span<T> sum, double clr, in AdagradHyper h)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        // Scalars are cast to the element type first, as PyTorch's CPU kernels cast alpha/value.
        T wd = T.CreateTruncating(h.WeightDecay);
        T eps = T.CreateTruncating(h.Eps);
        T negClr = T.CreateTruncating(-clr);
        bool decay = h.WeightDecay != 0;

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wdV = new Vector<T>(wd);
            var epsV = new Vector<T>(eps);
            var negClrV = new Vector<T>(negClr);
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var p = new Vector<T>(param[i..]);
                var g = new Vector<T>(grad[i..]);
                if (h.Maximize) g = -g;
                if (decay) g = TMath.MulAdd(wdV, p, g);
                var s = TMath.MulAdd(g, g, new Vector<T>(sum[i..]));
                s.CopyTo(sum[i..]);
                (p + negClrV * g / (Vector.SquareRoot(s) + epsV)).CopyTo(param[i..]);
            }
        }
        for (; i < param.Length; i++)
        {
            T p = param[i];
            T g = h.Maximize ? -grad[i] : grad[i];
            if (decay) g = TMath.MulAdd(wd, p, g);
            T s = TMath.MulAdd(g, g, sum[i]);
            sum[i] = s;
            param[i] = p + negClr * g / (T.Sqrt(s) + eps);
        }
    }
}
