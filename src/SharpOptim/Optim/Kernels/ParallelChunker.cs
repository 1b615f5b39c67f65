namespace SharpOptim.Optim.Kernels;

/// <summary>
/// One kernel's view of a parameter group for <see cref="ParallelChunker"/>: how many elements
/// tensor <c>tensor</c> has, and the update of a chunk of it. Implemented by structs, so that a
/// dispatch is a generic call with no delegate and no allocation.
/// </summary>
internal interface IChunkBody
{
    /// <summary>Elements of tensor <paramref name="tensor"/> (0 skips it).</summary>
    int Length(int tensor);

    /// <summary>Updates elements [start, start + length) of tensor <paramref name="tensor"/>.</summary>
    void Run(int tensor, int start, int length);
}

/// <summary>
/// Splits the tensors of one parameter group into chunks of at most <see cref="ChunkElements"/>
/// elements (chunk boundaries inside a tensor fall on multiples of it) and runs a kernel over all
/// of them in one dispatch: inline when the group is small, on <see cref="KernelWorkers"/>
/// otherwise. Consecutive small tensors are batched into one work item of about a chunk's size,
/// so ten thousand tiny tensors cost a few dozen hand-offs, not ten thousand.
/// </summary>
internal static class ParallelChunker
{
    /// <summary>Elements per chunk: large enough to amortise the call, small enough to balance across cores.</summary>
    public const int ChunkElements = 1 << 15;

    /// <summary>Below this many elements in total the group runs on the calling thread.</summary>
    public const int ParallelThreshold = 1 << 16;

    /// <summary>Runs <paramref name="body"/> over every chunk of tensors 0 … <paramref name="count"/> − 1.</summary>
    public static void Run<TBody>(int count, TBody body) where TBody : struct, IChunkBody
    {
        long total = 0;
        for (int t = 0; t < count; t++) total += body.Length(t);
        int threads = Torch.GetNumThreads();
        if (total < ParallelThreshold || threads == 1 || !KernelWorkers.TryRun(ChunkPlan<TBody>.For(count, body), threads))
            RunInline(count, body);
    }

    private static void RunInline<TBody>(int count, TBody body) where TBody : struct, IChunkBody
    {
        for (int t = 0; t < count; t++)
        {
            int n = body.Length(t);
            for (int start = 0; start < n; start += ChunkElements)
                body.Run(t, start, Math.Min(ChunkElements, n - start));
        }
    }
}

/// <summary>
/// A dispatch's work items for <see cref="KernelWorkers"/>: the chunks of every tensor, batched
/// into items of about <see cref="ParallelChunker.ChunkElements"/> elements. One plan per body
/// type and calling thread is kept and refilled, so steady-state dispatches allocate nothing.
/// </summary>
internal sealed class ChunkPlan<TBody> : WorkPlan where TBody : struct, IChunkBody
{
    [ThreadStatic] private static ChunkPlan<TBody>? _cached;

    private TBody _body;
    private (int Tensor, int Start, int Length)[] _chunks = [];
    private int[] _itemStarts = [0];

    /// <summary>This thread's plan, filled for <paramref name="body"/> over <paramref name="count"/> tensors.</summary>
    public static ChunkPlan<TBody> For(int count, TBody body)
    {
        var plan = _cached ??= new ChunkPlan<TBody>();
        plan.Fill(count, body);
        return plan;
    }

    private void Fill(int count, TBody body)
    {
        _body = body;
        int chunkCount = 0;
        for (int t = 0; t < count; t++) chunkCount += (body.Length(t) + ParallelChunker.ChunkElements - 1) / ParallelChunker.ChunkElements;
        if (_chunks.Length < chunkCount) _chunks = new (int, int, int)[chunkCount];
        if (_itemStarts.Length < chunkCount + 1) _itemStarts = new int[chunkCount + 1];

        int c = 0, items = 0, itemElements = 0;
        for (int t = 0; t < count; t++)
        {
            int n = body.Length(t);
            for (int start = 0; start < n; start += ParallelChunker.ChunkElements)
            {
                int length = Math.Min(ParallelChunker.ChunkElements, n - start);
                // Start a new item when this chunk would overflow the current one.
                if (itemElements > 0 && itemElements + length > ParallelChunker.ChunkElements)
                {
                    _itemStarts[++items] = c;
                    itemElements = 0;
                }
                _chunks[c++] = (t, start, length);
                itemElements += length;
            }
        }
        if (itemElements > 0) _itemStarts[++items] = c;
        ItemCount = items;
    }

    public override void RunItem(int item)
    {
        for (int c = _itemStarts[item]; c < _itemStarts[item + 1]; c++)
            _body.Run(_chunks[c].Tensor, _chunks[c].Start, _chunks[c].Length);
    }

    /// <summary>Drops the body, so the plan does not keep the group's tensors alive between steps.</summary>
    public override void Release() => _body = default;
}
