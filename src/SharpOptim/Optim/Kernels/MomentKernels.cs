using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>One chunk of an Adam-family kernel: a parameter, its gradient and its two moments, for tensor <c>tensor</c> of the group.</summary>
internal interface IMomentChunkKernel
{
    void Step<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq, int tensor) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// Runs an Adam-family kernel (parameter, gradient, <c>exp_avg</c>, <c>exp_avg_sq</c>) over every
/// tensor of a group through <see cref="ElementwiseKernel.Run"/>, handing it the four chunks as spans.
/// </summary>
internal static class MomentKernels
{
    public static void Run<TKernel>(IReadOnlyList<Tensor> ps, IReadOnlyList<(Tensor ExpAvg, Tensor ExpAvgSq)> moments, string algorithm, TKernel kernel)
        where TKernel : IMomentChunkKernel
        => ElementwiseKernel.Run(ps, algorithm, new Chunks<TKernel>(ps, moments, kernel),
            ps, moments.Select(m => m.ExpAvg).ToList(), moments.Select(m => m.ExpAvgSq).ToList());

    private readonly struct Chunks<TKernel>(IReadOnlyList<Tensor> ps, IReadOnlyList<(Tensor ExpAvg, Tensor ExpAvgSq)> moments, TKernel kernel)
        : IElementwiseKernel where TKernel : IMomentChunkKernel
    {
        public void Run<T>(int tensor, int start, int length) where T : unmanaged, IFloatingPointIeee754<T>
            => kernel.Step(ElementwiseKernel.Chunk<T>(ps[tensor], start, length), ElementwiseKernel.Chunk<T>(ps[tensor].Grad!, start, length),
                ElementwiseKernel.Chunk<T>(moments[tensor].ExpAvg, start, length), ElementwiseKernel.Chunk<T>(moments[tensor].ExpAvgSq, start, length), tensor);
    }
}
