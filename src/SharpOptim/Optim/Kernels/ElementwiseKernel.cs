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
    /// (float32 or float64; anything else is refused before any chunk runs), bumping each
    /// parameter's version counter on its first chunk. State the kernel writes through spans is the
    /// kernel's to mark (<see cref="SharpOptim.Optim.ElementwiseSteps{TAlgorithm, TState, THyper, TScalars}"/> does it for the element-wise ones).
    /// </summary>
    public static void Run<TKernel>(IReadOnlyList<Tensor> ps, string algorithm, TKernel kernel)
        where TKernel : struct, IElementwiseKernel
    {
        // One pass over the parameters (dtype check and lengths together): with thousands of small
        // tensors every pass over their objects costs cache misses, so the chunk plan reads the
        // lengths from this buffer instead of from the tensors.
        var lengths = _lengths is { } buffer && buffer.Length >= ps.Count ? buffer : _lengths = new int[Math.Max(ps.Count, 16)];
        for (int i = 0; i < ps.Count; i++)
        {
            StepGuards.CheckKernelDType(algorithm, ps[i]);
            lengths[i] = ps[i].Numel;
        }
        ParallelChunker.Run(ps.Count, new ByDType<TKernel>(ps, lengths, kernel));
    }

    [ThreadStatic] private static int[]? _lengths;

    /// <summary>Elements [start, start + length) of <paramref name="tensor"/>.</summary>
    public static Span<T> Chunk<T>(Tensor tensor, int start, int length) where T : unmanaged
        => tensor.Span<T>().Slice(start, length);

    /// <summary>
    /// Calls the kernel with each parameter's element type, and marks the parameter modified on
    /// its first chunk (while its objects are in cache, not in a pass of its own afterwards).
    /// </summary>
    private readonly struct ByDType<TKernel>(IReadOnlyList<Tensor> ps, int[] lengths, TKernel kernel) : IChunkBody where TKernel : struct, IElementwiseKernel
    {
        public int Length(int tensor) => lengths[tensor];

        public void Run(int tensor, int start, int length)
        {
            var p = ps[tensor];
            if (start == 0) p.MarkModified();
            if (p.DType == DType.Float32) kernel.Run<float>(tensor, start, length);
            else kernel.Run<double>(tensor, start, length);
        }
    }
}
