using System.Diagnostics;
using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>One chunk of an Adam-family kernel: a parameter, its gradient and its two moments, for tensor <c>tensor</c> of the group.</summary>
internal interface IMomentChunkKernel
{
    void Step<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq, int tensor) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// Runs an Adam-family kernel (parameter, gradient, <c>exp_avg</c>, <c>exp_avg_sq</c>) over every
/// tensor of a group in one <see cref="ParallelChunker"/> dispatch, and marks what it wrote as modified.
/// </summary>
internal static class MomentKernels
{
    public static void Run<TKernel>(IReadOnlyList<Tensor> ps, IReadOnlyList<(Tensor ExpAvg, Tensor ExpAvgSq)> moments, TKernel kernel)
        where TKernel : IMomentChunkKernel
    {
        ParallelChunker.Run(ps.Select(p => p.Numel).ToList(), (t, start, length) =>
        {
            var (p, (m, v)) = (ps[t], moments[t]);
            switch (p.DType)
            {
                case DType.Float32:
                    kernel.Step(p.AsSpan<float>().Slice(start, length), p.Grad!.AsSpan<float>().Slice(start, length),
                        m.AsSpan<float>().Slice(start, length), v.AsSpan<float>().Slice(start, length), t);
                    break;
                case DType.Float64:
                    kernel.Step(p.AsSpan<double>().Slice(start, length), p.Grad!.AsSpan<double>().Slice(start, length),
                        m.AsSpan<double>().Slice(start, length), v.AsSpan<double>().Slice(start, length), t);
                    break;
                default:
                    throw new UnreachableException(); // StepGuards.CheckKernelDTypes ran first
            }
        });
        for (int i = 0; i < ps.Count; i++)
        {
            ps[i].MarkModified();
            moments[i].ExpAvg.MarkModified();
            moments[i].ExpAvgSq.MarkModified();
        }
    }
}
