using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>The scalars of one parameter's Adamax step, after its own step count is known.</summary>
internal readonly record struct AdamaxScalars(double LerpWeight, double Beta2, double Eps, double WeightDecay, double StepSize, bool Maximize)
{
    /// <summary>With Python's arithmetic, a tensor lr making the step size a tensor of its dtype (<see cref="HyperScalar"/>).</summary>
    public static AdamaxScalars Compute(HyperScalar lr, HyperScalar beta1, HyperScalar beta2, double eps, double weightDecay, bool maximize, double step)
        => new((1 - beta1).Value, beta2.Value, eps, weightDecay, (lr / (1 - beta1.Pow(step))).Value, maximize);
}

/// <summary>
/// Adamax in one pass over a chunk: grad, param, exp_avg and exp_inf each read once, the state and
/// param written once, in the reference path's order of operations (TMath: foreach or fused rounding).
/// </summary>
internal static class AdamaxKernel
{
    public static void Step<T, TMath>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expInf, in AdamaxScalars s)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        T wd = T.CreateTruncating(s.WeightDecay);
        T beta2 = T.CreateTruncating(s.Beta2);
        T eps = T.CreateTruncating(s.Eps);
        T negStepSize = T.CreateTruncating(-s.StepSize);
        var lerp = new LerpWeight<T>(s.LerpWeight);
        bool l2 = s.WeightDecay != 0;

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var p = new Vector<T>(param[i..]);
                var g = new Vector<T>(grad[i..]);
                if (s.Maximize) g = -g;
                if (l2) g = TMath.MulAdd(new Vector<T>(wd), p, g);
                var m = lerp.Apply<TMath>(new Vector<T>(expAvg[i..]), g);
                var u = AdamFamilyMath.Maximum(new Vector<T>(expInf[i..]) * new Vector<T>(beta2), Vector.Abs(g) + new Vector<T>(eps));
                m.CopyTo(expAvg[i..]);
                u.CopyTo(expInf[i..]);
                (p + new Vector<T>(negStepSize) * m / u).CopyTo(param[i..]);
            }
        }
        for (; i < param.Length; i++)
        {
            T p = param[i];
            T g = s.Maximize ? -grad[i] : grad[i];
            if (l2) g = TMath.MulAdd(wd, p, g);
            T m = lerp.Apply<TMath>(expAvg[i], g);
            T u = AdamFamilyMath.Maximum(expInf[i] * beta2, T.Abs(g) + eps);
            expAvg[i] = m;
            expInf[i] = u;
            param[i] = p + negStepSize * m / u;
        }
    }
}
