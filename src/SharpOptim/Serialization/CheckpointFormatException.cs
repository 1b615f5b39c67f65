namespace SharpOptim.Serialization;

/// <summary>
/// The one exception <see cref="Torch.Load(string)"/> raises for a file it will not load: not a
/// PyTorch zip checkpoint, truncated or corrupted (a bad CRC, sizes that do not fit the archive),
/// or holding something SharpOptim refuses to build — a Python global outside the allowlist
/// (named in the message), an element type it does not support, or nesting and sizes beyond its
/// limits. I/O errors of the underlying stream are not wrapped.
/// </summary>
/// <remarks>
/// It derives from <see cref="IOException"/> (<see cref="InvalidDataException"/>, the BCL's
/// exception for malformed archives, is sealed), so <c>catch (IOException)</c> around a load
/// covers both a missing file and a bad one.
/// </remarks>
public sealed class CheckpointFormatException : IOException
{
    /// <summary>An exception whose <paramref name="message"/> says what is wrong with the checkpoint (and where).</summary>
    public CheckpointFormatException(string message) : base(message) { }

    /// <summary>An exception whose <paramref name="message"/> says what is wrong with the checkpoint, caused by <paramref name="innerException"/> (e.g. a decompression error).</summary>
    public CheckpointFormatException(string message, Exception innerException) : base(message, innerException) { }
}
