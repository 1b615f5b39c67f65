using System.Numerics;
using System.Runtime.CompilerServices;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// The numerics mode of a kernel, chosen by a type argument so that one kernel source compiles to
/// both: <see cref="ExactMath"/> rounds after every multiply and add, matching the reference
/// path bit for bit (<c>foreach: true</c>); <see cref="FusedMath"/> contracts <c>a*b + c</c> into one
/// fused multiply-add (<c>fused: true</c>), which is faster and, if anything, more accurate.
/// </summary>
internal interface IKernelMath
{
    /// <summary><c>a * b + c</c>.</summary>
    static abstract T MulAdd<T>(T a, T b, T c) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary><c>a * b + c</c>, lane-wise.</summary>
    static abstract Vector<T> MulAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged, IFloatingPointIeee754<T>;
}

internal struct ExactMath : IKernelMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MulAdd<T>(T a, T b, T c) where T : unmanaged, IFloatingPointIeee754<T> => a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MulAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged, IFloatingPointIeee754<T> => a * b + c;
}

internal struct FusedMath : IKernelMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MulAdd<T>(T a, T b, T c) where T : unmanaged, IFloatingPointIeee754<T> => T.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MulAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        return a * b + c;
    }
}
