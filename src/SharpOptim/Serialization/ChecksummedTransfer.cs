namespace SharpOptim.Serialization;

/// <summary>
/// Moves a record's bytes through I/O (the caller reads into them or writes them out) and
/// returns their CRC-32, so that the checksum costs little beside the I/O: with one thread, slice
/// by slice, each slice checksummed while it is still in the cache; with more (<see
/// cref="Torch.GetNumThreads"/>) and a large record, in chunks that other threads checksum while
/// the caller moves the next ones, the chunks' checksums then joined (<see cref="Crc32.Combine"/>).
/// </summary>
internal static class ChecksummedTransfer
{
    /// <summary>Reads into, or writes from, one piece of the record, in order.</summary>
    public delegate void Step(Span<byte> piece);

    /// <summary>The slice of the one-thread path: a share of a core's L2 cache.</summary>
    public const int CacheSlice = 256 * 1024;

    /// <summary>The chunk another thread checksums: large enough that handing it over costs nothing, small enough to overlap well.</summary>
    public const int Chunk = 4 << 20;

    /// <summary>Runs <paramref name="step"/> over <paramref name="data"/> piece by piece and returns the data's CRC-32.</summary>
    public static uint Run(Span<byte> data, Step step) => Run(data, step, helpers: Math.Min(Torch.GetNumThreads() - 1, 8));

    /// <summary>As <see cref="Run(Span{byte}, Step)"/> with at most <paramref name="helpers"/> other threads checksumming.</summary>
    internal static uint Run(Span<byte> data, Step step, int helpers)
        => helpers >= 1 && data.Length >= 2 * Chunk ? Overlapped(data, step, helpers) : Sliced(data, step);

    private static uint Sliced(Span<byte> data, Step step)
    {
        uint state = Crc32.Start;
        for (int done = 0; done < data.Length;)
        {
            var slice = data.Slice(done, Math.Min(data.Length - done, CacheSlice));
            step(slice);
            state = Crc32.Update(state, slice);
            done += slice.Length;
        }
        return Crc32.Finish(state);
    }

    private static unsafe uint Overlapped(Span<byte> data, Step step, int helpers)
    {
        int chunks = (data.Length + Chunk - 1) / Chunk;
        var pieces = new Task<uint>[chunks];
        int started = 0;
        fixed (byte* start = data)
        {
            nint address = (nint)start;
            try
            {
                for (int i = 0; i < chunks; i++)
                {
                    int offset = i * Chunk, length = Math.Min(Chunk, data.Length - offset);
                    step(data.Slice(offset, length));
                    if (i >= helpers) pieces[i - helpers].Wait();   // at most `helpers` checksums in flight
                    uint seed = i == 0 ? Crc32.Start : 0;
                    pieces[i] = Task.Run(() => Crc32.Update(seed, new ReadOnlySpan<byte>((byte*)address + offset, length)));
                    started++;
                }
            }
            finally
            {
                // The checksums read the pinned data: none may outlive the pin, even when a step failed.
                Task.WaitAll(pieces[..started]);
            }
        }
        uint state = pieces[0].Result;
        for (int i = 1; i < chunks; i++) state = Crc32.Combine(state, pieces[i].Result, Math.Min(Chunk, data.Length - i * Chunk));
        return Crc32.Finish(state);
    }
}
