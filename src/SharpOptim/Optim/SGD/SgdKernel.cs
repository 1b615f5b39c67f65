using System.Numerics;
using System.Runtime.InteropServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>SGD's hyper-parameters for one group, as the kernel reads them.</summary>
internal readonly record struct SgdHyper(double Lr, double Momentum, double Dampening, double WeightDecay, bool Nesterov, bool Maximize);

/// <summary>
/// SGD in one pass over a chunk: read grad, param and momentum buffer once, write param and
/// buffer once. The operations are the reference's, in its order; each multiply-add is one
/// <c>add(alpha=)</c> of the reference, rounded once in either numerics mode (TMath).
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
        // Flags in locals: read through `in h` they would be reloaded after every store.
        bool decay = h.WeightDecay != 0, momentum = h.Momentum != 0, maximize = h.Maximize, nesterov = h.Nesterov;

        int i = 0;
        if (Vector.IsHardwareAccelerated && param.Length >= Vector<T>.Count)
        {
            // Loads and stores through refs: the lengths are checked once here, not per vector.
            if (grad.Length < param.Length || (momentum && buffer.Length < param.Length))
                throw new ArgumentException("every span must be as long as the parameter's");
            ref T pRef = ref MemoryMarshal.GetReference(param);
            ref T gRef = ref MemoryMarshal.GetReference(grad);
            ref T bRef = ref MemoryMarshal.GetReference(buffer);
            var wdV = new Vector<T>(wd);
            var mV = new Vector<T>(m);
            var dV = new Vector<T>(oneMinusDampening);
            var lrV = new Vector<T>(negLr);
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                nuint at = (nuint)i;
                var p = Vector.LoadUnsafe(ref pRef, at);
                var g = Vector.LoadUnsafe(ref gRef, at);
                if (maximize) g = -g;
                if (decay) g = TMath.MulAdd(wdV, p, g);
                if (momentum)
                {
                    var b = initBuffer ? g : TMath.MulAdd(dV, g, Vector.LoadUnsafe(ref bRef, at) * mV);
                    b.StoreUnsafe(ref bRef, at);
                    g = nesterov ? TMath.MulAdd(mV, b, g) : b;
                }
                TMath.MulAdd(lrV, g, p).StoreUnsafe(ref pRef, at);
            }
        }
        for (; i < param.Length; i++)
        {
            T p = param[i];
            T g = maximize ? -grad[i] : grad[i];
            if (decay) g = TMath.MulAdd(wd, p, g);
            if (momentum)
            {
                T b = initBuffer ? g : TMath.MulAdd(oneMinusDampening, g, buffer[i] * m);
                buffer[i] = b;
                g = nesterov ? TMath.MulAdd(m, b, g) : b;
            }
            param[i] = TMath.MulAdd(negLr, g, p);
        }
    }
}
