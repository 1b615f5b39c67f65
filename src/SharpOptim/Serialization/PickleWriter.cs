using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using SharpOptim.NN;
using SharpOptim.Optim;

namespace SharpOptim.Serialization;

/// <summary>
/// Writes <c>data.pkl</c> as PyTorch's <c>torch.save</c> does: pickle protocol 2, only the opcodes
/// PyTorch's <c>weights_only</c> unpickler accepts, every string, tuple, list, dict, global and
/// reduced object memoized (so a tensor or container referenced twice is written once and loads
/// as one object), tensors as <c>torch._utils._rebuild_tensor_v2</c> over a persistent storage id
/// <c>('storage', torch.XStorage, key, 'cpu', numel)</c>. The storages to write as
/// <c>data/&lt;key&gt;</c> records are collected in <see cref="Storages"/>, in key order.
/// </summary>
internal sealed class PickleWriter : IDisposable
{
    private const int BatchSize = 1000;   // CPython's _BATCHSIZE for APPENDS/SETITEMS
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly MemoryStream _out = new();
    private readonly Dictionary<object, int> _memo = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _globals = new(StringComparer.Ordinal);
    private readonly Dictionary<Storage, int> _storageKeys = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<object> _open = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _path = [];
    private int _nextMemo;

    /// <summary>The storages referenced, in the order of their keys ("0", "1", ...).</summary>
    public List<Storage> Storages { get; } = [];

    public byte[] Dump(object? root)
    {
        _out.WriteByte(Op.Proto);
        _out.WriteByte(2);
        Save(root);
        _out.WriteByte(Op.Stop);
        return _out.ToArray();
    }

    public void Dispose() => _out.Dispose();

    private void Save(object? value)
    {
        switch (value)
        {
            case null: _out.WriteByte(Op.None); break;
            case bool b: _out.WriteByte(b ? Op.NewTrue : Op.NewFalse); break;
            case string s: SaveString(s); break;
            case double d: SaveFloat(d); break;
            case float f: SaveFloat(f); break;
            case int or long or short or sbyte or byte or ushort or uint: SaveInt(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case ulong u: SaveLong(u); break;
            case BigInteger big: SaveLong(big); break;
            case DType dtype: SaveGlobal("torch", StorageElement.For(dtype).TorchDType); break;
            case byte[] bytes: SaveBytes(bytes); break;
            case Tensor t: SaveTensor(t); break;
            case OptimizerStateDict sd:
                SaveContainer(sd, () => _memo[sd] = SaveDict(new OrderedDictionary<string, object?> { ["state"] = sd.State, ["param_groups"] = sd.ParamGroups }, ordered: false));
                break;
            case IDictionary dict: SaveContainer(dict, () => SaveDict(dict, ordered: dict is OrderedDictionary<string, Tensor>)); break;
            case ITuple tuple: SaveContainer(tuple, () => SaveTuple(tuple)); break;
            case HashSet<object> set: SaveContainer(set, () => SaveSet(set)); break;
            case IList list: SaveContainer(list, () => SaveList(list)); break;
            default: throw Unsupported(value);
        }
    }

    // ---------------------------------------------------------------- scalars

    private void SaveInt(long v)
    {
        if (v >= 0 && v < 256) { _out.WriteByte(Op.BinInt1); _out.WriteByte((byte)v); }
        else if (v >= 0 && v < 65536) { _out.WriteByte(Op.BinInt2); WriteUInt16((ushort)v); }
        else if (v >= int.MinValue && v <= int.MaxValue) { _out.WriteByte(Op.BinInt); WriteInt32((int)v); }
        else SaveLong(v);
    }

    /// <summary>LONG1: little-endian two's complement in the fewest bytes (CPython's encode_long).</summary>
    private void SaveLong(BigInteger v)
    {
        if (v >= int.MinValue && v <= int.MaxValue) { SaveInt((long)v); return; }
        var bytes = v.ToByteArray();
        if (bytes.Length > 255) throw new ArgumentException($"integer {v} at {Path()} is too large to save");
        _out.WriteByte(Op.Long1);
        _out.WriteByte((byte)bytes.Length);
        _out.Write(bytes);
    }

    private void SaveFloat(double d)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, d);
        _out.WriteByte(Op.BinFloat);
        _out.Write(b);
    }

    private void SaveString(string s)
    {
        if (_strings.TryGetValue(s, out int index)) { Get(index); return; }
        byte[] utf8;
        try { utf8 = StrictUtf8.GetBytes(s); }
        catch (EncoderFallbackException) { throw new ArgumentException($"the string at {Path()} is not valid Unicode (it holds a lone surrogate)"); }
        _out.WriteByte(Op.BinUnicode);
        WriteInt32(utf8.Length);
        _out.Write(utf8);
        _strings[s] = Put();
    }

    /// <summary>Protocol 2 has no bytes opcode: CPython writes <c>_codecs.encode(latin1_text, 'latin1')</c>, which weights_only accepts (also for empty bytes, unlike <c>bytes()</c>).</summary>
    private void SaveBytes(byte[] bytes)
    {
        if (_memo.TryGetValue(bytes, out int index)) { Get(index); return; }
        SaveGlobal("_codecs", "encode");
        SaveString(Encoding.Latin1.GetString(bytes));
        SaveString("latin1");
        _out.WriteByte(Op.Tuple2);
        Put();
        _out.WriteByte(Op.Reduce);
        _memo[bytes] = Put();
    }

    private void SaveGlobal(string module, string name)
    {
        string key = module + "\n" + name + "\n";
        if (_globals.TryGetValue(key, out int index)) { Get(index); return; }
        _out.WriteByte(Op.Global);
        _out.Write(Encoding.ASCII.GetBytes(key));
        _globals[key] = Put();
    }

    // ---------------------------------------------------------------- tensors

    private void SaveTensor(Tensor t)
    {
        if (_memo.TryGetValue(t, out int index)) { Get(index); return; }
        if (t.IsSparse) throw new NotSupportedException($"the tensor at {Path()} is sparse; saving sparse tensors is not supported");
        if (t is Parameter p)
        {
            // Parameter.__reduce_ex__: _rebuild_parameter(data, requires_grad, OrderedDict()).
            SaveGlobal("torch._utils", "_rebuild_parameter");
            SaveTensorData(p, requiresGrad: false);
            Put();   // the temporary p.data, memoized by CPython though never referenced again
            _out.WriteByte(p.RequiresGrad ? Op.NewTrue : Op.NewFalse);
            SaveEmptyOrderedDict();
            _out.WriteByte(Op.Tuple3);
            Put();
            _out.WriteByte(Op.Reduce);
        }
        else SaveTensorData(t, t.RequiresGrad);
        _memo[t] = Put();
    }

    /// <summary>Tensor.__reduce_ex__: _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict()).</summary>
    private void SaveTensorData(Tensor t, bool requiresGrad)
    {
        SaveGlobal("torch._utils", "_rebuild_tensor_v2");
        _out.WriteByte(Op.Mark);
        SaveStorageId(t.Storage);
        SaveInt(t.Offset);
        SaveIntTuple(t.ShapeRef);
        SaveIntTuple(ContiguousStrides(t.ShapeRef));
        _out.WriteByte(requiresGrad ? Op.NewTrue : Op.NewFalse);
        SaveEmptyOrderedDict();
        _out.WriteByte(Op.Tuple);
        Put();
        _out.WriteByte(Op.Reduce);
    }

    private void SaveStorageId(Storage storage)
    {
        if (!_storageKeys.TryGetValue(storage, out int key))
        {
            key = Storages.Count;
            _storageKeys[storage] = key;
            Storages.Add(storage);
        }
        _out.WriteByte(Op.Mark);
        SaveString("storage");
        SaveGlobal("torch", StorageElement.For(storage.DType).StorageClass);
        SaveString(key.ToString(CultureInfo.InvariantCulture));
        SaveString("cpu");
        SaveInt(storage.Length);
        _out.WriteByte(Op.Tuple);
        Put();
        _out.WriteByte(Op.BinPersId);
    }

    private void SaveEmptyOrderedDict()
    {
        SaveGlobal("collections", "OrderedDict");
        _out.WriteByte(Op.EmptyTuple);
        _out.WriteByte(Op.Reduce);
        Put();
    }

    private void SaveIntTuple(int[] values)
    {
        var boxed = new object?[values.Length];
        for (int i = 0; i < values.Length; i++) boxed[i] = values[i];
        SaveTuple(new PyTuple(boxed));
    }

    /// <summary>PyTorch's contiguous strides: a dimension of size 0 counts as size 1 for the strides before it.</summary>
    internal static int[] ContiguousStrides(int[] shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    // ---------------------------------------------------------------- containers

    /// <summary>Memo, cycle and depth handling shared by every container.</summary>
    private void SaveContainer(object container, Action write)
    {
        // Before the memo: a container is memoized as soon as it opens, so a cycle would find itself there.
        if (_open.Contains(container)) throw new ArgumentException($"the value at {Path()} contains itself; checkpoints cannot hold cycles");
        if (_memo.TryGetValue(container, out int index)) { Get(index); return; }
        _open.Add(container);
        if (_path.Count >= CheckpointLimits.MaxNestingDepth)
            throw new ArgumentException($"the value at {Path()} is nested more than {CheckpointLimits.MaxNestingDepth} levels deep");
        write();
        _open.Remove(container);
    }

    private void SaveTuple(ITuple tuple)
    {
        if (tuple.Length == 0) { _out.WriteByte(Op.EmptyTuple); return; }
        if (tuple.Length > 3) _out.WriteByte(Op.Mark);
        for (int i = 0; i < tuple.Length; i++) SaveChild(i, tuple[i]);
        _out.WriteByte(tuple.Length switch { 1 => Op.Tuple1, 2 => Op.Tuple2, 3 => Op.Tuple3, _ => Op.Tuple });
        if (tuple.GetType().IsValueType) Put();   // a boxed value tuple has no identity to find again
        else _memo[tuple] = Put();
    }

    private void SaveList(IList list)
    {
        _out.WriteByte(Op.EmptyList);
        _memo[list] = Put();
        for (int start = 0; start < list.Count; start += BatchSize)
        {
            int n = Math.Min(BatchSize, list.Count - start);
            if (n > 1) _out.WriteByte(Op.Mark);
            for (int i = start; i < start + n; i++) SaveChild(i, list[i]);
            _out.WriteByte(n > 1 ? Op.Appends : Op.Append);
        }
    }

    /// <summary>A set as protocol 2 writes it, <c>builtins.set([items])</c> (which weights_only allows); order is the set's own.</summary>
    private void SaveSet(HashSet<object> set)
    {
        foreach (var item in set) CheckKey(item);
        SaveGlobal("__builtin__", "set");
        SaveList(set.ToList());
        _out.WriteByte(Op.Tuple1);
        Put();
        _out.WriteByte(Op.Reduce);
        _memo[set] = Put();
    }

    private int SaveDict(IDictionary dict, bool ordered)
    {
        if (ordered)
        {
            // collections.OrderedDict(), as PyTorch's module state_dict() (without its _metadata).
            SaveGlobal("collections", "OrderedDict");
            _out.WriteByte(Op.EmptyTuple);
            _out.WriteByte(Op.Reduce);
        }
        else _out.WriteByte(Op.EmptyDict);
        int index = _memo[dict] = Put();
        var items = new List<DictionaryEntry>(dict.Count);
        foreach (DictionaryEntry e in dict) items.Add(e);
        for (int start = 0; start < items.Count; start += BatchSize)
        {
            int n = Math.Min(BatchSize, items.Count - start);
            if (n > 1) _out.WriteByte(Op.Mark);
            for (int i = start; i < start + n; i++)
            {
                CheckKey(items[i].Key);
                Save(items[i].Key);
                SaveChild(items[i].Key, items[i].Value);
            }
            _out.WriteByte(n > 1 ? Op.SetItems : Op.SetItem);
        }
        return index;
    }

    private void SaveChild(object key, object? value)
    {
        _path.Add(key is string s ? $"['{s}']" : $"[{Convert.ToString(key, CultureInfo.InvariantCulture)}]");
        Save(value);
        _path.RemoveAt(_path.Count - 1);
    }

    /// <summary>Keys must be hashable in Python and loadable by us: strings, integers, floats, booleans, tuples of those.</summary>
    private void CheckKey(object key)
    {
        if (!IsScalarKey(key))
            throw new ArgumentException($"the dictionary at {Path()} has a key of type {key.GetType().Name}; keys must be strings, integers, floats, booleans or tuples of those");
    }

    private static bool IsScalarKey(object key) => key is string or bool or double or float or int or long or short or sbyte or byte or ushort or uint or ulong
        || (key is ITuple t && Enumerable.Range(0, t.Length).All(i => t[i] is { } item && IsScalarKey(item)));

    // ---------------------------------------------------------------- memo and output

    private int Put()
    {
        int index = _nextMemo++;
        if (index < 256) { _out.WriteByte(Op.BinPut); _out.WriteByte((byte)index); }
        else { _out.WriteByte(Op.LongBinPut); WriteInt32(index); }
        return index;
    }

    private void Get(int index)
    {
        if (index < 256) { _out.WriteByte(Op.BinGet); _out.WriteByte((byte)index); }
        else { _out.WriteByte(Op.LongBinGet); WriteInt32(index); }
    }

    private void WriteInt32(int v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        _out.Write(b);
    }

    private void WriteUInt16(ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        _out.Write(b);
    }

    private string Path() => _path.Count == 0 ? "the top level" : "checkpoint" + string.Concat(_path);

    private ArgumentException Unsupported(object value) => new(
        $"cannot save the {value.GetType().Name} at {Path()}: a checkpoint holds tensors, numbers, strings, booleans, null, " +
        "byte arrays, dtypes, lists, tuples, dictionaries and the sets Torch.Load returns (and optimizer or module state dicts)");
}
