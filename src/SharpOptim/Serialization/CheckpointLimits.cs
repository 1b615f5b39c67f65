namespace SharpOptim.Serialization;

/// <summary>
/// The bounds the checkpoint reader enforces so that no file, however crafted, can exhaust the
/// stack, memory or time. Real checkpoints stay far below them.
/// </summary>
public static class CheckpointLimits
{
    /// <summary>How deeply containers (dicts, lists, tuples) may nest, in a file read or written.</summary>
    public const int MaxNestingDepth = 256;

    /// <summary>The most entries the unpickler's memo and its value stack may hold (each).</summary>
    public const int MaxPickleEntries = 1 << 24;

    /// <summary>
    /// The most values a loaded object may expand to when shared containers are counted once per
    /// reference (what a deep copy or a printout would visit), so that a few bytes of shared
    /// references cannot stand for an exponentially large tree.
    /// </summary>
    public const long MaxExpandedValues = 1L << 26;

    /// <summary>The largest tuple (counting nested tuples' elements) accepted as a dictionary key or set element.</summary>
    public const int MaxKeyElements = 1024;

    /// <summary>The most dimensions a loaded tensor may have.</summary>
    public const int MaxTensorDims = 64;

    /// <summary>
    /// Elements the reader may allocate beyond the storages themselves, to copy tensors that are
    /// not contiguous views of their storage (transposed or expanded ones). The budget is this
    /// plus twice the elements of all storages in the file.
    /// </summary>
    public const long ExtraCopyElements = 1 << 20;
}
