using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>One chunk of an Adam-family kernel: a parameter, its gradient and its two moments, for tensor <c>tensor</c> of the group.</summary>
internal interface IMomentChunkKernel
{
    void Step<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq, int tensor) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>A parameter's state as <see cref="MomentKernels"/> reads it: its two moment tensors (implemented by each algorithm's state struct).</summary>
internal interface IMomentState
{
    Tensor ExpAvg { get; }
    Tensor ExpAvgSq { get; }
}

/// <summary>
/// Runs an Adam-family kernel (parameter, gradient, <c>exp_avg</c>, <c>exp_avg_sq</c>) over every
/// tensor of a group through <see cref="ElementwiseKernel.Run"/>, handing it the four chunks as
/// spans, marking the parameters and moments modified on their first chunk. Generic over the state struct, so that
/// the lists an optimizer keeps are read without copies, boxing or allocation.
/// </summary>
internal static class MomentKernels
{
    public static void Run<TKernel, TState>(List<Tensor> ps, List<TState> states, string algorithm, TKernel kernel)
        where TKernel : struct, IMomentChunkKernel where TState : struct, IMomentState
        => ElementwiseKernel.Run(ps, algorithm, new Chunks<TKernel, TState>(ps, states, kernel));

    private readonly struct Chunks<TKernel, TState>(List<Tensor> ps, List<TState> states, TKernel kernel) : IElementwiseKernel
        where TKernel : struct, IMomentChunkKernel where TState : struct, IMomentState
    {
        public void Run<T>(int tensor, int start, int length) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var (p, s) = (ps[tensor], states[tensor]);
            if (start == 0)   // while its objects are in cache
            {
                s.ExpAvg.MarkModified();
                s.ExpAvgSq.MarkModified();
            }
            kernel.Step(ElementwiseKernel.Chunk<T>(p, start, length), ElementwiseKernel.Chunk<T>(p.Grad!, start, length),
                ElementwiseKernel.Chunk<T>(s.ExpAvg, start, length), ElementwiseKernel.Chunk<T>(s.ExpAvgSq, start, length), tensor);
        }
    }
}
