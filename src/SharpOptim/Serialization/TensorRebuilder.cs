using System.Globalization;
using SharpOptim.NN;

namespace SharpOptim.Serialization;

/// <summary>
/// Loads the storages a pickle refers to and rebuilds tensors over them (PyTorch's
/// <c>persistent_load</c>, <c>_rebuild_tensor_v2</c> and relatives). A storage is read once
/// (size checked against its record, CRC verified) and shared: a tensor that is a contiguous
/// view of it becomes a view of the same storage, so tensors that shared memory in PyTorch
/// share it here; any other layout (transposed, expanded) is copied, within a budget.
/// </summary>
internal sealed class TensorRebuilder(TorchZipReader zip, bool littleEndian)
{
    private readonly Dictionary<string, LoadedStorage> _storages = new(StringComparer.Ordinal);
    private long _storageElements;
    private long _copiedElements;

    /// <summary>BINPERSID: <c>('storage', storage_type, key, location, numel)</c>.</summary>
    public LoadedStorage LoadStorage(object? pid)
    {
        if (pid is not PyTuple { Count: 5 } t || !(t[0] is "storage" || (t[0] is byte[] b && b.AsSpan().SequenceEqual("storage"u8))))
            throw Bad($"a persistent id must be ('storage', type, key, location, numel), got a {Unpickler.Describe(pid)}");
        if (t[1] is not PickleGlobal { Kind: GlobalKind.StorageType } type) throw Bad($"a storage's type is {Unpickler.Describe(t[1])}, not a storage class");
        if (t[2] is not string key) throw Bad("a storage key is not a string");
        if (t[3] is not string) throw Bad("a storage location is not a string");
        if (t[4] is not long numel || numel < 0) throw Bad("a storage size is not a non-negative integer");
        var element = type.Element;

        if (_storages.TryGetValue(key, out var known))
        {
            if (known.Element != element) throw Bad($"storage '{key}' is used with two element types");
            return known;
        }

        string record = "data/" + key;
        if (!zip.Has(record)) throw Bad($"storage '{key}' has no record {record} in the archive");
        long bytes = zip.SizeOf(record);
        int size = element?.Size ?? 1;
        if (numel > int.MaxValue || numel * size != bytes)
            throw Bad($"storage '{key}' should hold {numel} elements of {size} bytes, but its record has {bytes} bytes");

        LoadedStorage loaded;
        if (element is null) loaded = new LoadedStorage(key, null, null, zip.Read(record));
        else if (element.IsNativeLayout(littleEndian))
        {
            // Straight from the file into the tensor's own array: no zeroing first (every byte is
            // read), no intermediate buffer, so a load needs little beyond the tensors themselves.
            var storage = Storage.AllocateUninitialized(element.LoadsAs, (int)numel);
            zip.ReadInto(record, storage.Bytes());
            loaded = new LoadedStorage(key, element, storage, null);
        }
        else loaded = new LoadedStorage(key, element, new Storage(element.Decode(zip.Read(record), (int)numel, littleEndian), element.LoadsAs), null);
        _storageElements += numel;
        _storages[key] = loaded;
        return loaded;
    }

    public Tensor Rebuild(PickleGlobal function, PyTuple args)
    {
        switch (function.Kind)
        {
            case GlobalKind.RebuildTensor when args.Count == 4:
                return MakeTensor(args[0], null, args[1], args[2], args[3], false);
            case GlobalKind.RebuildTensorV2 when args.Count is 6 or 7:
                CheckMetadata(args.Count == 7 ? args[6] : null);
                return MakeTensor(args[0], null, args[1], args[2], args[3], RequiresGrad(args[4]));
            case GlobalKind.RebuildTensorV3 when args.Count is 7 or 8:
                CheckMetadata(args.Count == 8 ? args[7] : null);
                if (args[6] is not PickleGlobal { Kind: GlobalKind.DType } dtype) throw Bad("_rebuild_tensor_v3's dtype argument is not a dtype");
                return MakeTensor(args[0], dtype.Element ?? throw Unsupported(dtype.Name), args[1], args[2], args[3], RequiresGrad(args[4]));
            case GlobalKind.RebuildParameter when args.Count == 3:
            case GlobalKind.RebuildParameterWithState when args.Count == 4:
                if (args[0] is not Tensor data) throw Bad($"{function} needs a tensor, got a {Unpickler.Describe(args[0])}");
                return MakeParameter(data, RequiresGrad(args[1]));
            default:
                throw Bad($"{function} does not take {args.Count} arguments");
        }
    }

    public static Tensor MakeParameter(Tensor data, bool requiresGrad)
    {
        if (requiresGrad && !data.IsFloatingPoint) throw Bad($"a {data.DType.TorchName()} Parameter cannot require grad");
        return new Parameter(data, requiresGrad);
    }

    public static Tensor AsParameter(Tensor tensor) => tensor as Parameter ?? MakeParameter(tensor, tensor.RequiresGrad);

    private Tensor MakeTensor(object? storageArg, StorageElement? dtype, object? offsetArg, object? sizeArg, object? strideArg, bool requiresGrad)
    {
        if (storageArg is not LoadedStorage loaded) throw Bad($"a tensor is rebuilt from a {Unpickler.Describe(storageArg)}, not a storage");
        var storage = StorageAs(loaded, dtype);
        if (offsetArg is not long offset || offset < 0) throw Bad("a tensor's storage offset is not a non-negative integer");
        var shape = Ints(sizeArg, "size", int.MaxValue);
        var strides = Ints(strideArg, "stride", long.MaxValue);
        if (strides.Length != shape.Length) throw Bad($"a tensor has {shape.Length} sizes but {strides.Length} strides");
        var dims = shape.Select(s => (int)s).ToArray();

        long numel = 1, lastIndex = offset;
        try
        {
            checked
            {
                foreach (var s in shape) numel *= s;
                if (numel > 0)
                    for (int i = 0; i < shape.Length; i++) lastIndex += (shape[i] - 1) * strides[i];
            }
        }
        catch (OverflowException) { throw Bad("a tensor's sizes and strides overflow"); }
        if (numel > int.MaxValue) throw Bad($"a tensor has {numel} elements, more than SharpOptim's tensors hold");

        Tensor tensor;
        if (numel == 0) tensor = Torch.Empty(dims, storage.DType);
        else
        {
            if (lastIndex >= storage.Length)
                throw Bad($"a tensor reaches element {lastIndex} of a storage of {storage.Length} elements");
            tensor = IsContiguous(shape, strides)
                ? new Tensor(storage, (int)offset, dims)
                : Gather(storage, (int)offset, dims, strides, numel);
        }
        if (requiresGrad)
        {
            if (!tensor.IsFloatingPoint) throw Bad($"a {tensor.DType.TorchName()} tensor cannot require grad");
            tensor.RequiresGrad_();
        }
        return tensor;
    }

    /// <summary>The storage a tensor of <paramref name="dtype"/> (given only by _rebuild_tensor_v3) reads.</summary>
    private Storage StorageAs(LoadedStorage loaded, StorageElement? dtype)
    {
        if (loaded.Element is { } typedElement)
        {
            if (dtype is not null && dtype != typedElement) throw Bad($"storage '{loaded.Key}' holds {typedElement.TorchDType}, read as {dtype.TorchDType}");
            return loaded.Typed!;
        }
        if (dtype is null) throw Bad($"untyped storage '{loaded.Key}' is used without a dtype (uint8 tensors over raw bytes are not supported)");
        if (loaded.DecodedAs.TryGetValue(dtype, out var decoded)) return decoded;
        var bytes = loaded.Untyped!;
        int count = bytes.Length / dtype.Size;
        decoded = new Storage(dtype.Decode(bytes, count, littleEndian), dtype.LoadsAs);
        _storageElements += count;
        loaded.DecodedAs[dtype] = decoded;
        return decoded;
    }

    /// <summary>PyTorch's is_contiguous: strides of a row-major layout, ignoring dimensions of size 1.</summary>
    private static bool IsContiguous(long[] shape, long[] strides)
    {
        long expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    private Tensor Gather(Storage storage, int offset, int[] shape, long[] strides, long numel)
    {
        _copiedElements += numel;
        if (_copiedElements > CheckpointLimits.ExtraCopyElements + 2 * _storageElements)
            throw Bad("its strided tensors would need far more memory than its storages hold (expanded views)");
        Array copy = storage.Data switch
        {
            float[] s => GatherFrom(s, storage.Start + offset, shape, strides, (int)numel),
            double[] s => GatherFrom(s, storage.Start + offset, shape, strides, (int)numel),
            long[] s => GatherFrom(s, storage.Start + offset, shape, strides, (int)numel),
            bool[] s => GatherFrom(s, storage.Start + offset, shape, strides, (int)numel),
            _ => throw new InvalidOperationException("unknown storage array"),
        };
        return new Tensor(new Storage(copy, storage.DType), shape);
    }

    /// <summary>Copies a strided view into row-major order (an odometer over the indices).</summary>
    private static T[] GatherFrom<T>(T[] source, int offset, int[] shape, long[] strides, int numel)
    {
        var result = new T[numel];
        var index = new int[shape.Length];
        long at = offset;
        for (int i = 0; i < numel; i++)
        {
            result[i] = source[at];
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                at += strides[d];
                if (++index[d] < shape[d]) break;
                at -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
        return result;
    }

    private static long[] Ints(object? value, string what, long max)
    {
        if (value is not PyTuple t) throw Bad($"a tensor's {what} is a {Unpickler.Describe(value)}, not a tuple");
        if (t.Count > CheckpointLimits.MaxTensorDims) throw Bad($"a tensor has {t.Count} dimensions (at most {CheckpointLimits.MaxTensorDims})");
        var result = new long[t.Count];
        for (int i = 0; i < t.Count; i++)
        {
            if (t[i] is not long v || v < 0 || v > max) throw Bad($"a tensor's {what} holds {Unpickler.Describe(t[i])} {Convert.ToString(t[i], CultureInfo.InvariantCulture)}, not an integer in [0, {max}]");
            result[i] = v;
        }
        return result;
    }

    private static bool RequiresGrad(object? value) => value as bool? ?? throw Bad("requires_grad is not a bool");

    /// <summary>Tensor metadata carries the conj/neg bits, which only complex and lazily negated tensors set.</summary>
    private static void CheckMetadata(object? metadata)
    {
        if (metadata is null || metadata is RawDict { Items.Count: 0 }) return;
        throw Bad("a tensor carries conj/neg metadata, which SharpOptim does not support");
    }

    private static CheckpointFormatException Unsupported(string dtype) => new($"The checkpoint holds a torch.{dtype} tensor, an element type SharpOptim does not support.");

    private static CheckpointFormatException Bad(string message) => Unpickler.Bad(message);
}
