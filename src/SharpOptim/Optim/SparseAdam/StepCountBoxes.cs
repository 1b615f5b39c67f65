namespace SharpOptim.Optim;

/// <summary>
/// Boxed step counts for state that PyTorch keeps as a Python <c>int</c> (SparseAdam's
/// <c>step</c>, an <c>int</c> in an <c>object</c> slot here). A box is immutable, so one box per
/// count can be shared by every parameter and optimizer, as CPython shares its small ints: bumping
/// a step then allocates nothing in steady state. Boxes are made a block at a time for counts
/// below <see cref="Cached"/> (at most about 2 MB, and only as far as steps have gone); a larger
/// count is boxed afresh.
/// </summary>
internal static class StepCountBoxes
{
    private const int BlockSize = 1024;
    private const int Blocks = 64;

    /// <summary>Counts below this are cached.</summary>
    public const int Cached = BlockSize * Blocks;

    private static readonly object[]?[] Cache = new object[]?[Blocks];

    /// <summary>A box holding <paramref name="count"/>, shared when the count is cached.</summary>
    public static object Box(int count)
    {
        if (count is < 0 or >= Cached) return count;
        var block = Volatile.Read(ref Cache[count / BlockSize]) ?? MakeBlock(count / BlockSize);
        return block[count % BlockSize];
    }

    private static object[] MakeBlock(int index)
    {
        var block = new object[BlockSize];
        for (int i = 0; i < BlockSize; i++) block[i] = index * BlockSize + i;
        // Two threads may race to make a block: the first one published wins, so a count has one box.
        return Interlocked.CompareExchange(ref Cache[index], block, null) ?? block;
    }
}
