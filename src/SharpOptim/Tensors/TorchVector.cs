using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpOptim;

/// <summary>
/// The lanes of PyTorch's CPU vectors (ATen's <c>Vectorized&lt;T&gt;</c>) in the kernels whose
/// results depend on them (sum, norm): 32 bytes, 8 float32 or 4 float64 lanes. These kernels are
/// dispatched to their AVX2 build even on an AVX-512 CPU (measured on the recording machine, an
/// AVX-512 one, with tools/golden/rounding.py). SharpOptim reproduces this width on every machine,
/// as <see cref="Vector256{T}"/> (lane-wise arithmetic does not depend on how the hardware runs it),
/// so results do not depend on the CPU they run on.
/// </summary>
internal static class TorchVector
{
    public const int Bytes = 32;

    /// <summary>Lanes of <typeparamref name="T"/> in one vector.</summary>
    public static int Count<T>() where T : unmanaged => Bytes / Unsafe.SizeOf<T>();

    /// <summary><paramref name="start"/> plus each lane in turn, left to right (ATen's fold of a stored vector).</summary>
    public static T AddEachLaneTo<T>(Vector256<T> lanes, T start) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int k = 0; k < Vector256<T>.Count; k++) start += lanes[k];
        return start;
    }

    /// <summary>A cascade over vectors (<see cref="CascadeSum"/>).</summary>
    public readonly struct Lanes<T> : ILanes<Vector256<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector256<T> Zero => Vector256<T>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Load(ref T data, nint offset) => Vector256.LoadUnsafe(ref data, (nuint)offset);
    }
}
