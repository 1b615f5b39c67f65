using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>RMSprop's hyper-parameters for one group, as its step reads them.</summary>
internal readonly record struct RmspropHyper(double Lr, double Alpha, double Eps, double WeightDecay, double Momentum, bool Centered, bool Maximize);

/// <summary>
/// RMSprop over one chunk: <c>g = ±grad (+ wd·p)</c>; <c>square_avg = α·square_avg + (1-α)·g²</c>;
/// centered: <c>grad_avg = lerp(grad_avg, g, 1-α)</c> and <c>avg = √(square_avg - grad_avg²) + eps</c>,
/// else <c>avg = √square_avg + eps</c>; with momentum <c>buf = m·buf + g/avg</c>, <c>p -= lr·buf</c>,
/// else <c>p -= lr·g/avg</c>. Where PyTorch has one operation of the form <c>a + b·c</c>, it rounds
/// once in either numerics mode, as PyTorch's CPU kernel and the reference's tensor op round it.
/// </summary>
internal static class RmspropKernel
{
    public static void Step<T, TMath>(Span<T> param, ReadOnlySpan<T> grad, Span<T> squareAvg, Span<T> gradAvg, Span<T> buffer, in RmspropHyper h)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        T wd = T.CreateTruncating(h.WeightDecay);
        T alpha = T.CreateTruncating(h.Alpha);
        T oneMinusAlpha = T.CreateTruncating(1 - h.Alpha);
        T eps = T.CreateTruncating(h.Eps);
        T momentum = T.CreateTruncating(h.Momentum);
        T negLr = T.CreateTruncating(-h.Lr);
        // grad_avg.lerp_(g, 1 - α): PyTorch's two-branch lerp, picked once for the whole chunk.
        bool lerpFromStart = T.Abs(oneMinusAlpha) < T.CreateTruncating(0.5);
        T lerpOneMinusWeight = T.One - oneMinusAlpha;
        bool decay = h.WeightDecay != 0, useMomentum = h.Momentum > 0;

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var (wdV, alphaV, oneMinusAlphaV, epsV) = (new Vector<T>(wd), new Vector<T>(alpha), new Vector<T>(oneMinusAlpha), new Vector<T>(eps));
            var (momentumV, negLrV, lerpOneMinusWeightV) = (new Vector<T>(momentum), new Vector<T>(negLr), new Vector<T>(lerpOneMinusWeight));
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var p = new Vector<T>(param[i..]);
                var g = new Vector<T>(grad[i..]);
                if (h.Maximize) g = -g;
                if (decay) g = TMath.MulAdd(wdV, p, g);
                var sq = TMath.MulAdd(oneMinusAlphaV * g, g, new Vector<T>(squareAvg[i..]) * alphaV);
                sq.CopyTo(squareAvg[i..]);
                Vector<T> avg;
                if (h.Centered)
                {
                    var ga = new Vector<T>(gradAvg[i..]);
                    var diff = g - ga;
                    ga = lerpFromStart ? TMath.MulAdd(oneMinusAlphaV, diff, ga) : TMath.MulAdd(-diff, lerpOneMinusWeightV, g);
                    ga.CopyTo(gradAvg[i..]);
                    avg = Vector.SquareRoot(TMath.MulAdd(-ga, ga, sq)) + epsV;
                }
                else avg = Vector.SquareRoot(sq) + epsV;
                if (useMomentum)
                {
                    var b = new Vector<T>(buffer[i..]) * momentumV + g / avg;
                    b.CopyTo(buffer[i..]);
                    TMath.MulAdd(negLrV, b, p).CopyTo(param[i..]);
                }
                else (p + negLrV * g / avg).CopyTo(param[i..]);
            }
        }
        for (; i < param.Length; i++)
        {
            T p = param[i];
            T g = h.Maximize ? -grad[i] : grad[i];
            if (decay) g = TMath.MulAdd(wd, p, g);
            T sq = TMath.MulAdd(oneMinusAlpha * g, g, squareAvg[i] * alpha);
            squareAvg[i] = sq;
            T avg;
            if (h.Centered)
            {
                T ga = gradAvg[i];
                T diff = g - ga;
                ga = lerpFromStart ? TMath.MulAdd(oneMinusAlpha, diff, ga) : TMath.MulAdd(-diff, lerpOneMinusWeight, g);
                gradAvg[i] = ga;
                avg = T.Sqrt(TMath.MulAdd(-ga, ga, sq)) + eps;
            }
            else avg = T.Sqrt(sq) + eps;
            if (useMomentum)
            {
                T b = buffer[i] * momentum + g / avg;
                buffer[i] = b;
                param[i] = TMath.MulAdd(negLr, b, p);
            }
            else param[i] = p + negLr * g / avg;
        }
    }
}
