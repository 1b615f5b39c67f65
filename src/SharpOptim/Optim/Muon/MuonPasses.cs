using System.Numerics;
using System.Runtime.InteropServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// Muon's element-wise parts, in one pass each over a chunk: the momentum update (buffer and
/// Nesterov look-ahead, rounded to bfloat16 for the Newton–Schulz iteration), and the param
/// update from the orthogonalised matrix. The Newton–Schulz iteration between them is matrix
/// products (<see cref="NewtonSchulz"/>), shared with the reference path.
/// </summary>
internal static class MuonPasses
{
    /// <summary>
    /// <c>buf = buf.lerp(g, 1 - momentum)</c>; the update, <c>g.lerp(buf, momentum)</c> with
    /// Nesterov or <c>buf</c> without, goes to <paramref name="updateBf16"/> rounded to bfloat16.
    /// Both lerps round as PyTorch's and the tensor op's (<see cref="LerpOp{T}"/>) in every numerics mode: a
    /// float32 ulp here can flip the bfloat16 rounding, which the Newton–Schulz iteration amplifies.
    /// </summary>
    public static void Momentum<T>(ReadOnlySpan<T> grad, Span<T> buffer, Span<float> updateBf16, double momentum, bool nesterov)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T toGrad = T.CreateTruncating(1 - momentum), m = T.CreateTruncating(momentum);
        bool smallToGrad = LerpMath.IsSmallWeight(toGrad), smallM = LerpMath.IsSmallWeight(m);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var toGradV = new Vector<T>(toGrad);
            var oneMinusToGradV = new Vector<T>(T.One - toGrad);
            var mV = new Vector<T>(m);
            var oneMinusMV = new Vector<T>(T.One - m);
            for (; i <= grad.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = new Vector<T>(grad[i..]);
                var b = LerpMath.Lerp<T, FusedMath>(new Vector<T>(buffer[i..]), g, toGradV, oneMinusToGradV, smallToGrad);
                b.CopyTo(buffer[i..]);
                var u = nesterov ? LerpMath.Lerp<T, FusedMath>(g, b, mV, oneMinusMV, smallM) : b;
                for (int lane = 0; lane < Vector<T>.Count; lane++) updateBf16[i + lane] = ToBFloat16(u[lane]);
            }
        }
        for (; i < grad.Length; i++)
        {
            T b = LerpOp<T>.Lerp(buffer[i], grad[i], toGrad);
            buffer[i] = b;
            updateBf16[i] = ToBFloat16(nesterov ? LerpOp<T>.Lerp(grad[i], b, m) : b);
        }
    }

    /// <summary><c>param = param · decay + scale · ortho</c> (decay = 1 − lr·weight_decay, scale = −adjusted lr).</summary>
    public static void Apply<T, TMath>(Span<T> param, ReadOnlySpan<float> ortho, double decay, double scale)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
    {
        T d = T.CreateTruncating(decay), s = T.CreateTruncating(scale);
        int i = 0;
        if (Vector.IsHardwareAccelerated && typeof(T) == typeof(float))
        {
            // float32 params read the float32-held bfloat16 values directly (double ones convert per element below).
            var o = MemoryMarshal.Cast<float, T>(ortho);
            var dV = new Vector<T>(d);
            var sV = new Vector<T>(s);
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
                TMath.MulAdd(sV, new Vector<T>(o[i..]), new Vector<T>(param[i..]) * dV).CopyTo(param[i..]);
        }
        for (; i < param.Length; i++) param[i] = TMath.MulAdd(s, T.CreateTruncating(ortho[i]), param[i] * d);
    }

    private static float ToBFloat16<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(double) ? BFloat16Rounding.Round(double.CreateTruncating(x)) : BFloat16Rounding.Round(float.CreateTruncating(x));
}
