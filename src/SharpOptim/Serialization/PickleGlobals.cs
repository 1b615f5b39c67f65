namespace SharpOptim.Serialization;

/// <summary>
/// The allowlist of Python globals a checkpoint may name, as <c>torch.load(weights_only=True)</c>
/// allows them (minus what SharpOptim cannot represent): collections.OrderedDict/Counter,
/// torch.Size, the dense tensor and Parameter rebuild functions, storage classes, dtypes,
/// torch.Tensor / torch.nn.Parameter as types, and the builtins protocol 2 uses for bytes and sets.
/// Anything else is refused when the GLOBAL opcode names it, before anything else happens.
/// </summary>
internal static class PickleGlobals
{
    private static readonly Dictionary<string, GlobalKind> Fixed = new(StringComparer.Ordinal)
    {
        ["collections.OrderedDict"] = GlobalKind.OrderedDict,
        ["collections.Counter"] = GlobalKind.Counter,
        ["torch.Size"] = GlobalKind.TorchSize,
        ["torch._utils._rebuild_tensor"] = GlobalKind.RebuildTensor,
        ["torch._utils._rebuild_tensor_v2"] = GlobalKind.RebuildTensorV2,
        ["torch._utils._rebuild_tensor_v3"] = GlobalKind.RebuildTensorV3,
        ["torch._utils._rebuild_parameter"] = GlobalKind.RebuildParameter,
        ["torch._utils._rebuild_parameter_with_state"] = GlobalKind.RebuildParameterWithState,
        ["torch._tensor._rebuild_from_type_v2"] = GlobalKind.RebuildFromTypeV2,
        ["_codecs.encode"] = GlobalKind.CodecsEncode,
        ["builtins.bytearray"] = GlobalKind.ByteArray,
        ["builtins.set"] = GlobalKind.Set,
        ["builtins.frozenset"] = GlobalKind.FrozenSet,
        ["torch.Tensor"] = GlobalKind.TensorType,
        ["torch.nn.parameter.Parameter"] = GlobalKind.ParameterType,
    };

    /// <summary>Tensor kinds PyTorch can save that SharpOptim's tensors cannot hold.</summary>
    private static readonly Dictionary<string, string> UnsupportedTensors = new(StringComparer.Ordinal)
    {
        ["torch._utils._rebuild_sparse_tensor"] = "a sparse tensor",
        ["torch._utils._rebuild_qtensor"] = "a quantized tensor",
        ["torch._utils._rebuild_meta_tensor_no_storage"] = "a meta tensor",
        ["torch._utils._rebuild_nested_tensor"] = "a nested tensor",
        ["torch._utils._rebuild_wrapper_subclass"] = "a tensor subclass",
        ["torch._utils._rebuild_device_tensor_from_numpy"] = "a device tensor",
        ["torch._utils._rebuild_device_tensor_from_cpu_tensor"] = "a device tensor",
    };

    /// <summary>dtypes PyTorch has that no storage class above covers (they only appear with _rebuild_tensor_v3 or as values).</summary>
    private static readonly HashSet<string> OtherDTypes = new(StringComparer.Ordinal)
    {
        "complex32", "complex64", "complex128", "uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e5m2",
        "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2", "bits8", "bits16",
        "qint8", "quint8", "qint32", "quint4x2", "quint2x4",
    };

    /// <summary>Modules PyTorch never allows, even when a user adds safe globals; named in the message.</summary>
    private static readonly HashSet<string> Blocked = new(StringComparer.Ordinal) { "os", "sys", "posix", "nt" };

    public static PickleGlobal Resolve(string module, string name)
    {
        if (module == "__builtin__") module = "builtins";   // protocol 2 spells builtins the Python 2 way
        string full = $"{module}.{name}";
        if (Fixed.TryGetValue(full, out var kind)) return new PickleGlobal(module, name, kind);
        if (UnsupportedTensors.TryGetValue(full, out var what))
            throw new CheckpointFormatException($"The checkpoint holds {what} ({full}), which SharpOptim cannot load: its tensors are dense.");
        if (full is "torch.storage.UntypedStorage" or "torch.UntypedStorage") return new PickleGlobal(module, name, GlobalKind.StorageType);
        if (module == "torch")
        {
            if (StorageElement.ByStorageClass(name) is { } element) return new PickleGlobal(module, name, GlobalKind.StorageType, element);
            if (StorageElement.Unsupported.TryGetValue(name, out var dtype))
                throw new CheckpointFormatException($"The checkpoint holds a {dtype} tensor (torch.{name}), an element type SharpOptim does not support.");
            if (StorageElement.ByDTypeName(name) is { } e) return new PickleGlobal(module, name, GlobalKind.DType, e);
            if (OtherDTypes.Contains(name)) return new PickleGlobal(module, name, GlobalKind.DType);
        }
        string blocked = Blocked.Contains(module) ? $" (module {module} is never allowed)" : "";
        throw new CheckpointFormatException(
            $"Unsupported global: GLOBAL {full} is not allowed{blocked}. SharpOptim reads checkpoints as torch.load(weights_only=True) does: " +
            "it builds tensors, storages, dtypes, dicts, lists, tuples and plain values, and never imports or calls anything else.");
    }
}
