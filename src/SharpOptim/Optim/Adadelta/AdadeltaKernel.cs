using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>Adadelta's hyper-parameters for one group, as its step reads them.</summary>
internal readonly record struct AdadeltaHyper(double Lr, double Rho, double Eps, double WeightDecay, bool Maximize);

/// <summary>
/// Adadelta over one chunk: <c>g = ±grad (+ wd·p)</c>; <c>square_avg = ρ·square_avg + (1-ρ)·g²</c>;
/// <c>delta = √(acc_delta + eps) / √(square_avg + eps) · g</c>; <c>acc_delta = ρ·acc_delta + (1-ρ)·delta²</c>;
/// <c>p -= lr·delta</c>. Where PyTorch has one operation of the form <c>a + b·c</c>, it rounds once
/// in either numerics mode, as PyTorch's CPU kernel and the reference's tensor op round it.
/// </summary>
internal static class AdadeltaKernel
{
    public static void Step<T, TMath>(Span<T> param, ReadOnlySpan<T> grad, Span<T> squareAvg, Span<T> accDelta, in AdadeltaHyper h)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        T wd = T.CreateTruncating(h.WeightDecay);
        T rho = T.CreateTruncating(h.Rho);
        T oneMinusRho = T.CreateTruncating(1 - h.Rho);
        T eps = T.CreateTruncating(h.Eps);
        T negLr = T.CreateTruncating(-h.Lr);
        bool decay = h.WeightDecay != 0;

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var (wdV, rhoV, oneMinusRhoV, epsV, negLrV) = (new Vector<T>(wd), new Vector<T>(rho), new Vector<T>(oneMinusRho), new Vector<T>(eps), new Vector<T>(negLr));
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var p = new Vector<T>(param[i..]);
                var g = new Vector<T>(grad[i..]);
                if (h.Maximize) g = -g;
                if (decay) g = TMath.MulAdd(wdV, p, g);
                var sq = TMath.MulAdd(oneMinusRhoV * g, g, new Vector<T>(squareAvg[i..]) * rhoV);
                sq.CopyTo(squareAvg[i..]);
                var acc = new Vector<T>(accDelta[i..]);
                var delta = Vector.SquareRoot(acc + epsV) / Vector.SquareRoot(sq + epsV) * g;
                TMath.MulAdd(oneMinusRhoV * delta, delta, acc * rhoV).CopyTo(accDelta[i..]);
                TMath.MulAdd(negLrV, delta, p).CopyTo(param[i..]);
            }
        }
        for (; i < param.Length; i++)
        {
            T p = param[i];
            T g = h.Maximize ? -grad[i] : grad[i];
            if (decay) g = TMath.MulAdd(wd, p, g);
            T sq = TMath.MulAdd(oneMinusRho * g, g, squareAvg[i] * rho);
            squareAvg[i] = sq;
            T acc = accDelta[i];
            T delta = T.Sqrt(acc + eps) / T.Sqrt(sq + eps) * g;
            accDelta[i] = TMath.MulAdd(oneMinusRho * delta, delta, acc * rho);
            param[i] = TMath.MulAdd(negLr, delta, p);
        }
    }
}
