using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>Rprop's hyper-parameters for one group, as its step reads them.</summary>
internal readonly record struct RpropHyper(double EtaMinus, double EtaPlus, double StepSizeMin, double StepSizeMax, bool Maximize);

/// <summary>
/// Rprop over one chunk. With <c>g = ±grad</c> and <c>s = sign(g·prev)</c>: the step size is
/// multiplied by etaplus where s &gt; 0, by etaminus where s &lt; 0 (and kept where s = 0), then
/// clamped to step_sizes; where s &lt; 0 the gradient is taken as 0; <c>p -= sign(g)·step_size</c>
/// and <c>prev = g</c>. There is no multiply-add to contract, so one kernel serves both numerics
/// modes and matches the reference bit for bit. PyTorch's sign of NaN is 0, so a NaN product
/// (a NaN gradient, or an infinite one against a zero prev) keeps the step size, and a NaN
/// gradient leaves its element where it was; only prev takes the NaN.
/// </summary>
internal static class RpropKernel
{
    public static void Step<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> prev, Span<T> stepSize, in RpropHyper h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T etaMinus = T.CreateTruncating(h.EtaMinus);
        T etaPlus = T.CreateTruncating(h.EtaPlus);
        T min = T.CreateTruncating(h.StepSizeMin);
        T max = T.CreateTruncating(h.StepSizeMax);

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var (etaMinusV, etaPlusV, minV, maxV) = (new Vector<T>(etaMinus), new Vector<T>(etaPlus), new Vector<T>(min), new Vector<T>(max));
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = new Vector<T>(grad[i..]);
                if (h.Maximize) g = -g;
                var product = g * new Vector<T>(prev[i..]);
                var flipped = Vector.LessThan(product, Vector<T>.Zero);
                var factor = Vector.ConditionalSelect(Vector.GreaterThan(product, Vector<T>.Zero), etaPlusV,
                    Vector.ConditionalSelect(flipped, etaMinusV, Vector<T>.One));
                var size = new Vector<T>(stepSize[i..]) * factor;
                size = Vector.ConditionalSelect(Vector.LessThan(size, minV), minV, size);
                size = Vector.ConditionalSelect(Vector.GreaterThan(size, maxV), maxV, size);
                size.CopyTo(stepSize[i..]);
                g = Vector.ConditionalSelect(flipped, Vector<T>.Zero, g);
                (new Vector<T>(param[i..]) - Sign(g) * size).CopyTo(param[i..]);
                g.CopyTo(prev[i..]);
            }
        }
        for (; i < param.Length; i++)
        {
            T g = h.Maximize ? -grad[i] : grad[i];
            T product = g * prev[i];
            T factor = product > T.Zero ? etaPlus : product < T.Zero ? etaMinus : T.One;
            T size = stepSize[i] * factor;
            if (size < min) size = min;
            if (size > max) size = max;
            stepSize[i] = size;
            if (product < T.Zero) g = T.Zero;
            param[i] -= Sign(g) * size;
            prev[i] = g;
        }
    }

    /// <summary>PyTorch's sign, as <c>Tensor.Sign</c>: +0 for NaN and for ±0.</summary>
    private static T Sign<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
        => x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero;

    private static Vector<T> Sign<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), Vector<T>.One,
            Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), -Vector<T>.One, Vector<T>.Zero));
}
