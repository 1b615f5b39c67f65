using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// A SIMD vector of <typeparamref name="T"/> of either width the element-wise kernels run at, so
/// that an op's math is written once, generically, and compiled for each: <see cref="NativeLanes{T}"/>
/// (<see cref="Vector{T}"/>: 256 bits with AVX2, 128 with NEON) and <see cref="Lanes512{T}"/>
/// (<see cref="Vector512{T}"/>, where the CPU runs it at full speed). The runtime's
/// <c>Vector&lt;T&gt;</c> stays at 256 bits on AVX-512 machines unless the process is started with
/// <c>DOTNET_MaxVectorTBitWidth=512</c>, and with it an Adam step on a tensor that fits in the caches
/// is limited by the instruction count: at 512 bits it took 0.6× the time (docs/benchmarks.md), as
/// PyTorch's AVX-512 kernels and a C kernel built with <c>-march=native</c> run. Every operation is
/// lane-wise and IEEE-rounded, so both widths give the same bits.
/// </summary>
internal interface ISimdVector<TSelf, T> : ISimdArithmetic<TSelf>
    where TSelf : struct, ISimdVector<TSelf, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TSelf Create(T value);

    /// <summary>The first <see cref="Count"/> elements of <paramref name="lanes"/>.</summary>
    static abstract TSelf Create(ReadOnlySpan<T> lanes);

    /// <summary><see cref="Count"/> elements from <c>source[offset]</c>, with no bounds check.</summary>
    static abstract TSelf LoadUnsafe(ref readonly T source, nuint offset);

    /// <summary>Writes the lanes to <c>destination[offset]</c>, with no bounds check.</summary>
    void StoreUnsafe(ref T destination, nuint offset);

    /// <summary>Writes the lanes to the first <see cref="Count"/> elements of <paramref name="destination"/>.</summary>
    void CopyTo(Span<T> destination);
}

/// <summary>
/// The lane-wise arithmetic of <see cref="ISimdVector{TSelf, T}"/>, apart from the element type so
/// that shared helpers (<see cref="AdamFamilyMath.Maximum{TVec}"/>, lerp) infer the vector type
/// from their arguments.
/// </summary>
internal interface ISimdArithmetic<TSelf> where TSelf : struct, ISimdArithmetic<TSelf>
{
    static abstract TSelf operator +(TSelf a, TSelf b);

    static abstract TSelf operator -(TSelf a, TSelf b);

    static abstract TSelf operator *(TSelf a, TSelf b);

    static abstract TSelf operator /(TSelf a, TSelf b);

    static abstract TSelf operator -(TSelf a);

    /// <summary>
    /// <c>a·b + c</c> as one tensor op computes it (add with alpha, addcmul, lerp): rounded once, in
    /// either numerics mode (PyTorch's CPU kernels fuse it, and so do the tensor ops).
    /// </summary>
    static abstract TSelf MulAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>
    /// <c>a·b + c</c> that the reference computes as two ops: rounded twice under
    /// <see cref="ExactMath"/>, contracted to one rounding under <see cref="FusedMath"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static virtual TSelf MulThenAdd<TMath>(TSelf a, TSelf b, TSelf c) where TMath : IKernelMath
        => TMath.ContractsTwoOps ? TSelf.MulAdd(a, b, c) : a * b + c;

    static abstract TSelf Sqrt(TSelf x);

    static abstract TSelf Abs(TSelf x);

    /// <summary>All bits set in the lanes where <c>a &gt; b</c> (false for NaN), else zero.</summary>
    static abstract TSelf GreaterThan(TSelf a, TSelf b);

    /// <summary>All bits set in the lanes where <c>a &lt; b</c> (false for NaN), else zero.</summary>
    static abstract TSelf LessThan(TSelf a, TSelf b);

    /// <summary>All bits set in the lanes where <c>a == b</c> (false for NaN), else zero.</summary>
    static abstract TSelf EqualTo(TSelf a, TSelf b);

    /// <summary>Per bit: <paramref name="ifTrue"/> where <paramref name="mask"/> is set, else <paramref name="ifFalse"/>.</summary>
    static abstract TSelf ConditionalSelect(TSelf mask, TSelf ifTrue, TSelf ifFalse);
}

/// <summary>Which width the element-wise kernels run at (<see cref="ISimdVector{TSelf, T}"/>).</summary>
internal static class KernelVectors
{
    /// <summary>
    /// Whether kernels use <see cref="Lanes512{T}"/>: by default where the runtime reports 512-bit
    /// vectors accelerated (it does not on CPUs that slow down for them). Both widths give the same
    /// bits, so switching it at any time changes no result; tests switch it to run both.
    /// </summary>
    public static bool Use512 { get; set; } = Vector512.IsHardwareAccelerated;
}

/// <summary><see cref="Vector{T}"/> as an <see cref="ISimdVector{TSelf, T}"/>: the machine's natural width.</summary>
internal readonly struct NativeLanes<T>(Vector<T> value) : ISimdVector<NativeLanes<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector<T> _value = value;

    /// <summary>The lanes as the runtime's vector, for kernels written on <see cref="Vector{T}"/>.</summary>
    public Vector<T> Value => _value;

    public static int Count => Vector<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> Create(T value) => new(new Vector<T>(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> Create(ReadOnlySpan<T> lanes) => new(new Vector<T>(lanes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> LoadUnsafe(ref readonly T source, nuint offset) => new(Vector.LoadUnsafe(in source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StoreUnsafe(ref T destination, nuint offset) => _value.StoreUnsafe(ref destination, offset);

    public void CopyTo(Span<T> destination) => _value.CopyTo(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> operator +(NativeLanes<T> a, NativeLanes<T> b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> operator -(NativeLanes<T> a, NativeLanes<T> b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> operator *(NativeLanes<T> a, NativeLanes<T> b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> operator /(NativeLanes<T> a, NativeLanes<T> b) => new(a._value / b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> operator -(NativeLanes<T> a) => new(-a._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> MulAdd(NativeLanes<T> a, NativeLanes<T> b, NativeLanes<T> c) => new(VectorFma.MulAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> Sqrt(NativeLanes<T> x) => new(Vector.SquareRoot(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> Abs(NativeLanes<T> x) => new(Vector.Abs(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> GreaterThan(NativeLanes<T> a, NativeLanes<T> b) => new(Vector.GreaterThan(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> LessThan(NativeLanes<T> a, NativeLanes<T> b) => new(Vector.LessThan(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> EqualTo(NativeLanes<T> a, NativeLanes<T> b) => new(Vector.Equals(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NativeLanes<T> ConditionalSelect(NativeLanes<T> mask, NativeLanes<T> ifTrue, NativeLanes<T> ifFalse)
        => new(Vector.ConditionalSelect(mask._value, ifTrue._value, ifFalse._value));
}

/// <summary><see cref="Vector512{T}"/> as an <see cref="ISimdVector{TSelf, T}"/>.</summary>
internal readonly struct Lanes512<T>(Vector512<T> value) : ISimdVector<Lanes512<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector512<T> _value = value;

    public static int Count => Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> Create(T value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> Create(ReadOnlySpan<T> lanes) => new(Vector512.Create(lanes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> LoadUnsafe(ref readonly T source, nuint offset) => new(Vector512.LoadUnsafe(in source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StoreUnsafe(ref T destination, nuint offset) => _value.StoreUnsafe(ref destination, offset);

    public void CopyTo(Span<T> destination) => _value.CopyTo(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> operator +(Lanes512<T> a, Lanes512<T> b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> operator -(Lanes512<T> a, Lanes512<T> b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> operator *(Lanes512<T> a, Lanes512<T> b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> operator /(Lanes512<T> a, Lanes512<T> b) => new(a._value / b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> operator -(Lanes512<T> a) => new(-a._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> MulAdd(Lanes512<T> a, Lanes512<T> b, Lanes512<T> c)
    {
        if (typeof(T) == typeof(float))
            return new(Vector512.FusedMultiplyAdd(a._value.As<T, float>(), b._value.As<T, float>(), c._value.As<T, float>()).As<float, T>());
        if (typeof(T) == typeof(double))
            return new(Vector512.FusedMultiplyAdd(a._value.As<T, double>(), b._value.As<T, double>(), c._value.As<T, double>()).As<double, T>());
        throw new NotSupportedException($"no fused multiply-add for {typeof(T).Name}");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> Sqrt(Lanes512<T> x) => new(Vector512.Sqrt(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> Abs(Lanes512<T> x) => new(Vector512.Abs(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> GreaterThan(Lanes512<T> a, Lanes512<T> b) => new(Vector512.GreaterThan(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> LessThan(Lanes512<T> a, Lanes512<T> b) => new(Vector512.LessThan(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> EqualTo(Lanes512<T> a, Lanes512<T> b) => new(Vector512.Equals(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512<T> ConditionalSelect(Lanes512<T> mask, Lanes512<T> ifTrue, Lanes512<T> ifFalse)
        => new(Vector512.ConditionalSelect(mask._value, ifTrue._value, ifFalse._value));
}
