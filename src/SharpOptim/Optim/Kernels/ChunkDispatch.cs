using System.Numerics;

namespace SharpOptim.Optim.Kernels;

/// <summary>One algorithm's kernel over a chunk of one of its group's tensors, for either element type.</summary>
internal interface IChunkStep
{
    void Chunk<T>(int tensor, int start, int length) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// Runs a kernel over every parameter of a group in one <see cref="ParallelChunker"/> dispatch,
/// choosing the element type per tensor, then marks the written tensors modified.
/// </summary>
internal static class ChunkDispatch
{
    public static void Run<TStep>(IReadOnlyList<Tensor> ps, TStep step, string algorithm, IEnumerable<Tensor?> written) where TStep : IChunkStep
    {
        ParallelChunker.Run(ps.Select(p => p.Numel).ToList(), (t, start, length) =>
        {
            switch (ps[t].DType)
            {
                case DType.Float32: step.Chunk<float>(t, start, length); break;
                case DType.Float64: step.Chunk<double>(t, start, length); break;
                default: throw new NotSupportedException($"{algorithm} supports float32 and float64 parameters, got {ps[t].DType.TorchName()}");
            }
        });
        foreach (var t in written) t?.MarkModified();
    }
}
