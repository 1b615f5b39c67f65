namespace SharpOptim;

/// <summary>Element types a <see cref="Tensor"/> can hold. Names follow PyTorch's <c>torch.float32</c> etc.</summary>
public enum DType
{
    /// <summary><c>torch.float32</c> (C# <c>float</c>), the default (<see cref="Torch.DefaultDType"/>).</summary>
    Float32,
    /// <summary><c>torch.float64</c> (C# <c>double</c>).</summary>
    Float64,
    /// <summary><c>torch.int64</c> (C# <c>long</c>): class labels, indices, counts. No arithmetic or gradients.</summary>
    Int64,
    /// <summary><c>torch.bool</c> (C# <c>bool</c>): comparison results and masks. No arithmetic or gradients.</summary>
    Bool,
}

/// <summary>Facts about each <see cref="DType"/>.</summary>
public static class DTypeInfo
{
    /// <summary>True for the floating-point types, which are the only ones that take gradients.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float64 => 8,
        DType.Int64 => 8,
        DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>PyTorch's spelling, e.g. <c>float32</c>.</summary>
    public static string TorchName(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        _ => dtype.ToString(),
    };

    internal static Array Allocate(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new float[length],
        DType.Float64 => new double[length],
        DType.Int64 => new long[length],
        DType.Bool => new bool[length],
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    internal static DType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        throw new NotSupportedException($"no tensor dtype for element type {typeof(T).Name}");
    }
}
