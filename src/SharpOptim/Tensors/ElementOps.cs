using System.Numerics;

namespace SharpOptim;

// Element functions used by the tensor kernels. Each is a struct with a static method so the JIT
// specialises and inlines it into the loop for each element type. Scalar arguments (alpha,
// value, weight) are converted to the element type before use, as PyTorch's CPU kernels do.

internal interface IUnaryOp
{
    static abstract T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;
}

internal interface IBinaryOp
{
    static abstract T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T>;
}

internal struct NegOp : IUnaryOp { public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => -x; }
internal struct ExpOp : IUnaryOp { public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Exp(x); }
internal struct LogOp : IUnaryOp { public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Log(x); }
internal struct SqrtOp : IUnaryOp { public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sqrt(x); }
internal struct RsqrtOp : IUnaryOp { public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / T.Sqrt(x); }
internal struct AbsOp : IUnaryOp { public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Abs(x); }
internal struct SquareOp : IUnaryOp { public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x * x; }
internal struct TanhOp : IUnaryOp { public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Tanh(x); }
internal struct ReciprocalOp : IUnaryOp { public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / x; }

internal struct SignOp : IUnaryOp
{
    // PyTorch's CPU sign is (0 < x) - (x < 0): +0.0 for NaN, as for ±0.0.
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
        => x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero;
}

internal struct SigmoidOp : IUnaryOp
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));
}

internal struct ReluOp : IUnaryOp
{
    // NaN passes through, as in PyTorch.
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x < T.Zero ? T.Zero : x;
}

internal struct AddOp : IBinaryOp { public static T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a + b; }
internal struct SubOp : IBinaryOp { public static T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a - b; }
internal struct MulOp : IBinaryOp { public static T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a * b; }
internal struct DivOp : IBinaryOp { public static T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a / b; }
internal struct PowOp : IBinaryOp { public static T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => T.Pow(a, b); }

internal struct MaximumOp : IBinaryOp
{
    public static T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T>
        => T.IsNaN(a) || T.IsNaN(b) ? T.NaN : a > b ? a : b;
}

internal struct MinimumOp : IBinaryOp
{
    public static T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T>
        => T.IsNaN(a) || T.IsNaN(b) ? T.NaN : a < b ? a : b;
}

/// <summary>Comparison selector for the comparison kernels.</summary>
internal enum CompareKind { Gt, Lt, Ge, Le, Eq, Ne }
