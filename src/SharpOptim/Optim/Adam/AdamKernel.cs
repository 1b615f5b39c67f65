using System.Numerics;
using System.Runtime.InteropServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// The scalars of one parameter's Adam step, after its own step count is known: what PyTorch's
/// loop body passes to its tensor ops (each then cast to the element type by the op).
/// </summary>
internal readonly record struct AdamScalars(
    double Step, double LerpWeight, double Beta2, double OneMinusBeta2, double Bc2Sqrt, double StepSize, double Eps,
    double WeightDecay, double DecayFactor, bool Decoupled, bool Maximize, bool Amsgrad)
{
    /// <summary>
    /// The scalars for step number <paramref name="step"/>, with Python's arithmetic: a tensor lr
    /// or beta makes the results it enters tensors of its dtype (<see cref="HyperScalar"/>), as in
    /// PyTorch's for-loop. PyTorch's fused kernel reads tensors with <c>.item()</c> and computes in
    /// double: pass the values through <see cref="HyperScalar.AsNumber"/> for that.
    /// </summary>
    public static AdamScalars Compute(HyperScalar lr, HyperScalar beta1, HyperScalar beta2, double eps, double weightDecay,
        bool decoupled, bool maximize, bool amsgrad, double step, DType paramDType)
    {
        var bc1 = 1 - beta1.Pow(step);
        var bc2 = 1 - beta2.Pow(step);
        var stepSize = lr / bc1;
        var bc2Sqrt = bc2.Pow(0.5);
        // exp_avg.lerp_(grad, 1 - beta1): a tensor beta1 is first moved to the param's dtype.
        var lerpWeight = 1 - beta1.To(paramDType);
        return new(step, lerpWeight.Value, beta2.Value, (1 - beta2).Value, bc2Sqrt.Value, stepSize.Value, eps,
                   decoupled ? 0 : weightDecay, decoupled && weightDecay != 0 ? (1 - lr * weightDecay).Value : 1,
                   decoupled, maximize, amsgrad);
    }
}

/// <summary>
/// Adam (and AdamW) in one pass over a chunk: grad, param, exp_avg, exp_avg_sq (and
/// max_exp_avg_sq) each read once and the state and param written once. The operations are the
/// reference path's, in its order; each multiply-add is one tensor op of the reference
/// (<c>add(alpha=)</c>, <c>addcmul_</c>, <c>lerp_</c>), rounded once in either numerics mode (TMath).
/// </summary>
internal static class AdamKernel
{
    public static void Step<T, TMath>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq, Span<T> maxExpAvgSq, in AdamScalars s)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        T wd = T.CreateTruncating(s.WeightDecay);
        T factor = T.CreateTruncating(s.DecayFactor);
        T beta2 = T.CreateTruncating(s.Beta2);
        T oneMinusBeta2 = T.CreateTruncating(s.OneMinusBeta2);
        T bc2Sqrt = T.CreateTruncating(s.Bc2Sqrt);
        T eps = T.CreateTruncating(s.Eps);
        T negStepSize = T.CreateTruncating(-s.StepSize);
        var lerp = new LerpWeight<T>(s.LerpWeight);
        // Flags in locals: read through `in s` they would be reloaded after every store (the
        // compiler cannot rule out that the spans alias it).
        bool l2 = s.WeightDecay != 0, decoupled = s.Decoupled && s.DecayFactor != 1, maximize = s.Maximize, amsgrad = s.Amsgrad;

        int i = 0;
        if (Vector.IsHardwareAccelerated && param.Length >= Vector<T>.Count)
        {
            // Loads and stores through refs: the lengths are checked once here, not per vector.
            if (grad.Length < param.Length || expAvg.Length < param.Length || expAvgSq.Length < param.Length
                || (amsgrad && maxExpAvgSq.Length < param.Length))
                throw new ArgumentException("every span must be as long as the parameter's");
            ref T pRef = ref MemoryMarshal.GetReference(param);
            ref T gRef = ref MemoryMarshal.GetReference(grad);
            ref T mRef = ref MemoryMarshal.GetReference(expAvg);
            ref T vRef = ref MemoryMarshal.GetReference(expAvgSq);
            ref T maxRef = ref MemoryMarshal.GetReference(maxExpAvgSq);
            Vector<T> vWd = new(wd), vFactor = new(factor), vBeta2 = new(beta2), vOneMinusBeta2 = new(oneMinusBeta2),
                      vBc2Sqrt = new(bc2Sqrt), vEps = new(eps), vNegStepSize = new(negStepSize);
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                nuint at = (nuint)i;
                var p = Vector.LoadUnsafe(ref pRef, at);
                var g = Vector.LoadUnsafe(ref gRef, at);
                if (maximize) g = -g;
                if (decoupled) p *= vFactor;
                else if (l2) g = TMath.MulAdd(vWd, p, g);
                var m = lerp.Apply<TMath>(Vector.LoadUnsafe(ref mRef, at), g);
                var v = TMath.MulAdd(vOneMinusBeta2 * g, g, Vector.LoadUnsafe(ref vRef, at) * vBeta2);
                m.StoreUnsafe(ref mRef, at);
                v.StoreUnsafe(ref vRef, at);
                if (amsgrad)
                {
                    v = AdamFamilyMath.Maximum(Vector.LoadUnsafe(ref maxRef, at), v);
                    v.StoreUnsafe(ref maxRef, at);
                }
                var denom = Vector.SquareRoot(v) / vBc2Sqrt + vEps;
                (p + vNegStepSize * m / denom).StoreUnsafe(ref pRef, at);
            }
        }
        for (; i < param.Length; i++)
        {
            T p = param[i];
            T g = maximize ? -grad[i] : grad[i];
            if (decoupled) p *= factor;
            else if (l2) g = TMath.MulAdd(wd, p, g);
            T m = lerp.Apply<TMath>(expAvg[i], g);
            T v = TMath.MulAdd(oneMinusBeta2 * g, g, expAvgSq[i] * beta2);
            expAvg[i] = m;
            expAvgSq[i] = v;
            if (amsgrad)
            {
                v = AdamFamilyMath.Maximum(maxExpAvgSq[i], v);
                maxExpAvgSq[i] = v;
            }
            T denom = T.Sqrt(v) / bc2Sqrt + eps;
            param[i] = p + negStepSize * m / denom;
        }
    }
}
