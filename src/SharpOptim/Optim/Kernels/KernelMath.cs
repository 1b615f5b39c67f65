using System.Numerics;
using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// The numerics mode of a kernel, chosen by a type argument so that one kernel source compiles to
/// both: <see cref="ExactMath"/> rounds as the reference path's tensor ops, bit for bit
/// (<c>foreach: true</c>); <see cref="FusedMath"/> may also contract a multiply and an add that the
/// reference computes as two ops (<c>fused: true</c>). A multiply-add the reference computes with
/// one tensor op (<c>add(other, alpha)</c>, <c>addcmul</c>, lerp) rounds once in both, as PyTorch's
/// CPU kernels and so the tensor ops round it.
/// </summary>
internal interface IKernelMath
{
    /// <summary>Whether a multiply and an add that the reference computes as two ops are contracted into one rounding.</summary>
    static abstract bool ContractsTwoOps { get; }

    /// <summary><c>a * b + c</c> as one tensor op computes it (add with alpha, addcmul, lerp): rounded once.</summary>
    static abstract T MulAdd<T>(T a, T b, T c) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary><c>a * b + c</c> as one tensor op computes it, lane-wise: rounded once.</summary>
    static abstract Vector<T> MulAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary><c>a * b + c</c> that the reference computes as two ops, a multiply and then an add.</summary>
    static abstract T MulThenAdd<T>(T a, T b, T c) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary><c>a * b + c</c> that the reference computes as two ops, lane-wise.</summary>
    static abstract Vector<T> MulThenAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged, IFloatingPointIeee754<T>;
}

internal struct ExactMath : IKernelMath
{
    public static bool ContractsTwoOps => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MulAdd<T>(T a, T b, T c) where T : unmanaged, IFloatingPointIeee754<T> => T.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MulAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged, IFloatingPointIeee754<T> => VectorFma.MulAdd(a, b, c);

    /// <summary>Rounded twice, as the reference's two ops.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MulThenAdd<T>(T a, T b, T c) where T : unmanaged, IFloatingPointIeee754<T> => a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MulThenAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged, IFloatingPointIeee754<T> => a * b + c;
}

internal struct FusedMath : IKernelMath
{
    public static bool ContractsTwoOps => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MulAdd<T>(T a, T b, T c) where T : unmanaged, IFloatingPointIeee754<T> => T.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MulAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged, IFloatingPointIeee754<T> => VectorFma.MulAdd(a, b, c);

    /// <summary>Contracted: rounded once, which is faster and, if anything, more accurate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MulThenAdd<T>(T a, T b, T c) where T : unmanaged, IFloatingPointIeee754<T> => T.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MulThenAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged, IFloatingPointIeee754<T> => VectorFma.MulAdd(a, b, c);
}
