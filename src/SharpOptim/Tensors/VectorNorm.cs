using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SharpOptim;

/// <summary>
/// p-norms accumulated as PyTorch's CPU <c>linalg.vector_norm</c> accumulates them (ATen's
/// <c>norm_kernel_tensor_iterator_impl</c>), in the element type (float32 norms in float32)
/// (measured with tools/golden/rounding.py). The 2-norm over the last (contiguous) dim runs in
/// <see cref="TorchVector"/> lanes: each lane sums the squares of its elements of every whole vector
/// (each product and sum rounded), the lanes are folded left to right, then the squares of the
/// elements after the last whole vector are added in order (<see cref="SquaresInLanes{T}.Total"/>).
/// Every other norm adds element by element in order, each product and sum rounded. A norm over
/// dims of size 1 is the absolute value (no square root of a square), as PyTorch special-cases it.
/// </summary>
internal static class VectorNorm
{
    /// <summary>The p-norm over the middle dim of an outer × size × inner layout, into <paramref name="dst"/> (outer × inner).</summary>
    public static void Compute<T>(ReadOnlySpan<T> x, int outer, int size, int inner, double p, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (size == 1)
        {
            for (int j = 0; j < dst.Length; j++) dst[j] = p == 0 ? (x[j] != T.Zero ? T.One : T.Zero) : T.Abs(x[j]);
            return;
        }
        if (size == 0)
        {
            dst.Fill(p < 0 ? T.PositiveInfinity : T.Zero);
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            if (p == 2 && inner == 1)
            {
                dst[o] = T.Sqrt(SumOfSquares(x.Slice(o * size, size)));
                continue;
            }
            for (int i = 0; i < inner; i++)
                dst[o * inner + i] = InOrder(x.Slice(o * size * inner + i), size, inner, p);
        }
    }

    /// <summary>
    /// Σ x² as the contiguous 2-norm accumulates it before its square root: in vector lanes, the
    /// lanes folded, then the remaining elements.
    /// </summary>
    public static T SumOfSquares<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var squares = new SquaresInLanes<T>();
        squares.Append(x);
        return squares.Total();
    }

    /// <summary>
    /// <see cref="SumOfSquares{T}"/> of a sequence appended piece by piece, for a kernel that
    /// produces the elements in pieces of any length and never stores them all.
    /// </summary>
    public struct SquaresInLanes<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private Vector256<T> _acc, _pending;
        private int _pendingCount;

        public void Append(ReadOnlySpan<T> x)
        {
            while (_pendingCount > 0 && !x.IsEmpty)
            {
                Unsafe.Add(ref Unsafe.As<Vector256<T>, T>(ref _pending), _pendingCount++) = x[0];
                x = x[1..];
                if (_pendingCount == Vector256<T>.Count)
                {
                    _acc += _pending * _pending;
                    _pendingCount = 0;
                }
            }
            ref T data = ref MemoryMarshal.GetReference(x);
            var acc = _acc;
            int d = 0;
            for (; d <= x.Length - Vector256<T>.Count; d += Vector256<T>.Count)
            {
                var v = Vector256.LoadUnsafe(ref data, (nuint)d);
                acc += v * v;
            }
            _acc = acc;
            for (; d < x.Length; d++) Unsafe.Add(ref Unsafe.As<Vector256<T>, T>(ref _pending), _pendingCount++) = x[d];
        }

        /// <summary>
        /// The lanes folded left to right, then the squares of the elements after the last whole
        /// vector added in order, as PyTorch's compiled tail loop adds them: each square fused into
        /// its add, except that in float32 a tail of four or more starts with four squares rounded
        /// apart (the compiler multiplies them as one 16-byte vector).
        /// </summary>
        public readonly T Total()
        {
            T total = _acc[0];
            for (int k = 1; k < Vector256<T>.Count; k++) total += _acc[k];
            int k0 = typeof(T) == typeof(float) && _pendingCount >= 4 ? 4 : 0;
            for (int k = 0; k < k0; k++) total += _pending[k] * _pending[k];
            for (int k = k0; k < _pendingCount; k++) total = T.FusedMultiplyAdd(_pending[k], _pending[k], total);
            return total;
        }
    }

    /// <summary>One norm added element by element: <paramref name="count"/> elements <paramref name="stride"/> apart.</summary>
    private static T InOrder<T>(ReadOnlySpan<T> x, int count, int stride, double p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T acc = double.IsNegativeInfinity(p) ? T.PositiveInfinity : T.Zero;
        T pt = T.CreateTruncating(p);
        for (int k = 0; k < count; k++)
        {
            T a = T.Abs(x[k * stride]);
            if (p == 2) acc += a * a;
            else if (p == 1) acc += a;
            else if (p == 0) acc += a != T.Zero ? T.One : T.Zero;
            else if (double.IsPositiveInfinity(p)) acc = T.IsNaN(a) || a > acc ? a : acc;
            else if (double.IsNegativeInfinity(p)) acc = T.IsNaN(a) || a < acc ? a : acc;
            else acc += T.Pow(a, pt);
        }
        if (p == 2) return T.Sqrt(acc);
        if (p == 1 || p == 0 || double.IsInfinity(p)) return acc;
        return T.Pow(acc, T.One / pt);
    }
}
