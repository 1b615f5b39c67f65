namespace SharpOptim.Serialization;

// The unpickler's intermediate values, converted to the public ones (OrderedDictionary, List,
// PyTuple, HashSet, Tensor, ...) by LoadedValueConverter once the whole pickle has been read.

/// <summary>A Python dict or OrderedDict while it is being filled (its key types decide its final C# type).</summary>
internal sealed class RawDict
{
    public OrderedDictionary<object, object?> Items { get; } = new(PyKeyComparer.Instance);
}

/// <summary>A Python set or frozenset while it is being filled.</summary>
internal sealed class RawSet
{
    public HashSet<object> Items { get; } = new(PyKeyComparer.Instance);
}

/// <summary>What a global on the allowlist stands for.</summary>
internal enum GlobalKind
{
    OrderedDict,
    Counter,
    TorchSize,
    RebuildTensor,
    RebuildTensorV2,
    RebuildTensorV3,
    RebuildParameter,
    RebuildParameterWithState,
    RebuildFromTypeV2,
    CodecsEncode,
    ByteArray,
    Set,
    FrozenSet,
    StorageType,
    DType,
    TensorType,
    ParameterType,
}

/// <summary>
/// An allowlisted global (<c>module.name</c>) as the unpickler pushes it. Nothing is imported or
/// looked up by name: the reader only ever acts on the <see cref="Kind"/>.
/// </summary>
/// <param name="Module">The module, e.g. <c>torch._utils</c>.</param>
/// <param name="Name">The name within the module, e.g. <c>_rebuild_tensor_v2</c>.</param>
/// <param name="Kind">What SharpOptim does with it.</param>
/// <param name="Element">For a storage class or a dtype: its element type (null for an untyped storage, or a dtype SharpOptim cannot load).</param>
internal sealed record PickleGlobal(string Module, string Name, GlobalKind Kind, StorageElement? Element = null)
{
    public string FullName => $"{Module}.{Name}";

    public override string ToString() => FullName;
}

/// <summary>One <c>data/&lt;key&gt;</c> record, loaded once however many tensors view it.</summary>
internal sealed class LoadedStorage(string key, StorageElement? element, Storage? typed, byte[]? untyped)
{
    public string Key { get; } = key;

    /// <summary>The element type of a typed storage (<c>torch.FloatStorage</c>, ...); null for <c>torch.UntypedStorage</c>.</summary>
    public StorageElement? Element { get; } = element;

    public Storage? Typed { get; } = typed;

    /// <summary>The bytes of an untyped storage, decoded per dtype by <c>_rebuild_tensor_v3</c>.</summary>
    public byte[]? Untyped { get; } = untyped;

    public Dictionary<StorageElement, Storage> DecodedAs { get; } = [];
}
