using SharpOptim.Serialization;

namespace SharpOptim;

// torch.save / torch.load for checkpoints that move between PyTorch and SharpOptim.
public static partial class Torch
{
    /// <summary>
    /// Saves <paramref name="obj"/> as <c>torch.save</c> does, in PyTorch's zip checkpoint format,
    /// so that <c>torch.load(path, weights_only=True)</c> reads it. <paramref name="obj"/> may be an
    /// <see cref="Optim.OptimizerStateDict"/>, a module state dict, a scheduler's state dict, or any
    /// nesting of dictionaries (string or integer keys, order kept), lists, tuples
    /// (<see cref="PyTuple"/> or value tuples), tensors (float32, float64, int64, bool; a
    /// <see cref="NN.Parameter"/> stays a Parameter), numbers, booleans, strings, byte arrays,
    /// <see cref="DType"/>s and null, e.g. <c>{"model": ..., "optimizer": ..., "epoch": 5}</c>.
    /// Tensors sharing storage are written once. The archive folder inside is named after the file.
    /// </summary>
    /// <exception cref="ArgumentException">A value of another type, a cycle, or nesting deeper than <see cref="CheckpointLimits.MaxNestingDepth"/>; nothing is written.</exception>
    /// <exception cref="NotSupportedException">A sparse tensor, or a checkpoint of 4 GiB or more.</exception>
    public static void Save(object? obj, string path) => CheckpointWriter.Save(obj, path);

    /// <summary>Saves <paramref name="obj"/> to <paramref name="stream"/> (archive folder <c>archive</c>, as PyTorch names it for a buffer). See <see cref="Save(object?, string)"/>.</summary>
    public static void Save(object? obj, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckpointWriter.Save(obj, stream, "archive");
    }

    /// <summary>
    /// Loads a checkpoint written by <c>torch.save</c> (PyTorch 1.6 or later, pickle protocols 1–5)
    /// or by <see cref="Save(object?, string)"/>, as <c>torch.load(path, weights_only=True,
    /// map_location="cpu")</c> would: a dict whose keys are all strings comes back as
    /// <c>OrderedDictionary&lt;string, object?&gt;</c> (PyTorch's module and optimizer state dicts,
    /// checkpoints like <c>{"model", "optimizer", "epoch"}</c>), any other dict as
    /// <c>OrderedDictionary&lt;object, object?&gt;</c> (an optimizer's <c>state</c>, keyed by
    /// parameter index), a list as <c>List&lt;object?&gt;</c>, a tuple as <see cref="PyTuple"/>, an
    /// int as <c>long</c>, a float as <c>double</c>, bytes as <c>byte[]</c>, a set as
    /// <c>HashSet&lt;object&gt;</c>, a dtype as <see cref="DType"/>. Tensors keep their dtype, except
    /// float16/bfloat16 (loaded as float32) and int32/int16/int8/uint8 (as int64), converted exactly.
    /// Pass the parts straight to <see cref="NN.Module.LoadStateDict(IReadOnlyDictionary{string, object?}, bool)"/>
    /// and <see cref="Optim.Optimizer.LoadStateDict(IReadOnlyDictionary{string, object?})"/>.
    /// </summary>
    /// <remarks>
    /// The reader is safe on untrusted files: it runs no code and resolves no Python globals
    /// beyond an allowlist (tensor and Parameter rebuilders, storage classes, dtypes,
    /// OrderedDict, torch.Size, the builtins pickle uses for bytes and sets); every size is checked
    /// against the archive before allocation, every record's CRC is verified, and nesting, memo,
    /// stack and expansion are bounded (<see cref="CheckpointLimits"/>). Tensors that were
    /// contiguous views of one storage stay views of one storage; other strided tensors are
    /// copied. Not read: the legacy pre-1.6 format, compressed or encrypted zip records, sparse,
    /// quantized and complex tensors, and attributes set on an OrderedDict (the <c>_metadata</c>
    /// of a module state dict is dropped).
    /// </remarks>
    /// <exception cref="CheckpointFormatException">The file is not a readable checkpoint, is truncated or corrupted, or names a global outside the allowlist (named in the message).</exception>
    public static object? Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return CheckpointReader.Load(file);
    }

    /// <summary>Loads a checkpoint from <paramref name="stream"/> (read fully first if it cannot seek). See <see cref="Load(string)"/>.</summary>
    public static object? Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return CheckpointReader.Load(stream);
    }

    /// <summary>
    /// Loads a checkpoint and checks it holds a <typeparamref name="T"/>: <c>Torch.Load&lt;Checkpoint&gt;("ckpt.pt")</c>
    /// for a dict with typed accessors (<see cref="Checkpoint"/>), or a loaded type such as <c>OrderedDictionary&lt;string, object?&gt;</c>.
    /// </summary>
    /// <exception cref="CheckpointFormatException">As <see cref="Load(string)"/>, or the file holds something else.</exception>
    public static T Load<T>(string path) => As<T>(Load(path));

    /// <summary>Loads a checkpoint from a stream and checks it holds a <typeparamref name="T"/>.</summary>
    public static T Load<T>(Stream stream) => As<T>(Load(stream));

    // A Checkpoint is a typed view of the loaded string-keyed dict rather than a loaded type.
    private static T As<T>(object? loaded) => loaded is T t
        ? t
        : typeof(T) == typeof(Checkpoint) && loaded is IReadOnlyDictionary<string, object?> dict
        ? (T)(object)new Checkpoint(dict)
        : throw new CheckpointFormatException($"The checkpoint holds {(loaded is null ? "None" : "a " + loaded.GetType().Name)}, not a {typeof(T).Name}.");
}
