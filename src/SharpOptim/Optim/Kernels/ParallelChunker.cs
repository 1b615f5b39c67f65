namespace SharpOptim.Optim.Kernels;

/// <summary>
/// Splits the tensors of one parameter group into fixed-size chunks and runs a kernel over all of
/// them in one dispatch: in parallel when there is enough work to pay for the threads, inline
/// otherwise (a model of many small tensors then costs no thread hand-offs at all).
/// </summary>
internal static class ParallelChunker
{
    /// <summary>Elements per chunk: large enough to amortise the call, small enough to balance across cores.</summary>
    public const int ChunkElements = 1 << 15;

    /// <summary>Below this many elements in total the group runs on the calling thread.</summary>
    public const int ParallelThreshold = 1 << 17;

    /// <summary>Runs <paramref name="body"/>(tensor index, start, length) over every chunk of every tensor.</summary>
    public static void Run(IReadOnlyList<int> lengths, Action<int, int, int> body)
    {
        long total = 0;
        int chunkCount = 0;
        foreach (int n in lengths)
        {
            total += n;
            chunkCount += (n + ChunkElements - 1) / ChunkElements;
        }
        int threads = Torch.GetNumThreads();
        if (total < ParallelThreshold || threads == 1 || chunkCount < 2)
        {
            for (int t = 0; t < lengths.Count; t++)
                for (int start = 0; start < lengths[t]; start += ChunkElements)
                    body(t, start, Math.Min(ChunkElements, lengths[t] - start));
            return;
        }
        var chunks = new (int Tensor, int Start, int Length)[chunkCount];
        int c = 0;
        for (int t = 0; t < lengths.Count; t++)
            for (int start = 0; start < lengths[t]; start += ChunkElements)
                chunks[c++] = (t, start, Math.Min(ChunkElements, lengths[t] - start));
        Parallel.For(0, chunks.Length, new ParallelOptions { MaxDegreeOfParallelism = threads },
            i => body(chunks[i].Tensor, chunks[i].Start, chunks[i].Length));
    }
}
