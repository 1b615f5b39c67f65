using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>
/// An optimizer kernel that works element by element on one chunk of one parameter (and the
/// same chunk of its gradient and state), generic over the element type. A struct implementing
/// it holds the group's tensors and hyper-parameters; <see cref="ElementwiseKernel.Run"/> picks
/// the element type per tensor and runs every chunk of the group in one dispatch.
/// </summary>
internal interface IElementwiseKernel
{
    /// <summary>Updates elements [start, start + length) of parameter <paramref name="tensor"/>.</summary>
    void Run<T>(int tensor, int start, int length) where T : unmanaged, IFloatingPointIeee754<T>;
}

internal static class ElementwiseKernel
{
    /// <summary>
    /// Runs <paramref name="kernel"/> over every chunk of every parameter in <paramref name="ps"/>
    /// (float32 or float64), then bumps the version counter of every tensor in
    /// <paramref name="written"/> (the params and the state the kernel wrote through spans).
    /// </summary>
    public static void Run<TKernel>(IReadOnlyList<Tensor> ps, string algorithm, TKernel kernel, params ReadOnlySpan<IReadOnlyList<Tensor?>> written)
        where TKernel : struct, IElementwiseKernel
    {
        StepGuards.CheckKernelDTypes(algorithm, ps);
        ParallelChunker.Run(ps.Count, new ByDType<TKernel>(ps, kernel));
        foreach (var list in written)
            for (int i = 0; i < list.Count; i++) list[i]?.MarkModified();
    }

    /// <summary>Elements [start, start + length) of <paramref name="tensor"/>.</summary>
    public static Span<T> Chunk<T>(Tensor tensor, int start, int length) where T : unmanaged
        => tensor.Span<T>().Slice(start, length);

    /// <summary>Calls the kernel with each parameter's element type.</summary>
    private readonly struct ByDType<TKernel>(IReadOnlyList<Tensor> ps, TKernel kernel) : IChunkBody where TKernel : struct, IElementwiseKernel
    {
        public int Length(int tensor) => ps[tensor].Numel;

        public void Run(int tensor, int start, int length)
        {
            if (ps[tensor].DType == DType.Float32) kernel.Run<float>(tensor, start, length);
            else kernel.Run<double>(tensor, start, length);
        }
    }
}
