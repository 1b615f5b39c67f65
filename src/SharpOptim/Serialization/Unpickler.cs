using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace SharpOptim.Serialization;

/// <summary>
/// A restricted pickle virtual machine, in the spirit of PyTorch's <c>_weights_only_unpickler</c>:
/// it understands the opcodes of protocols 1 to 5 (those protocol 0's text strings aside), resolves
/// globals only through <see cref="PickleGlobals"/>, and acts on them itself — it never imports,
/// instantiates or calls anything by name. Every length is checked against the bytes left before
/// anything is allocated; the value stack, the memo and the MARK nesting are bounded.
/// </summary>
internal sealed class Unpickler
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly byte[] _data;
    private readonly TensorRebuilder _tensors;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _pos;

    public Unpickler(byte[] data, TensorRebuilder tensors)
    {
        _data = data;
        _tensors = tensors;
    }

    public object? Load()
    {
        while (true)
        {
            int at = _pos;
            byte op = ReadByte();
            switch (op)
            {
                case Op.Proto:
                    byte protocol = ReadByte();
                    if (protocol > 5) throw Bad($"pickle protocol {protocol} is newer than 5");
                    break;
                case Op.Frame:
                    if (ReadUInt64() > (ulong)(_data.Length - _pos)) throw Truncated();
                    break;
                case Op.Stop: return Pop();
                case Op.Mark:
                    if (_marks.Count >= CheckpointLimits.MaxNestingDepth) throw Bad($"MARKs are nested more than {CheckpointLimits.MaxNestingDepth} deep");
                    _marks.Add(_stack.Count);
                    break;
                case Op.Pop:
                    if (_stack.Count > Base) _stack.RemoveAt(_stack.Count - 1);
                    else PopMark();
                    break;
                case Op.PopMark: PopMark(); break;
                case Op.Dup: Push(Peek()); break;

                case Op.None: Push(null); break;
                case Op.NewTrue: Push(true); break;
                case Op.NewFalse: Push(false); break;
                case Op.Int: Push(ParseTextInt(ReadLine())); break;
                case Op.BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Read(4))); break;
                case Op.BinInt1: Push((long)ReadByte()); break;
                case Op.BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Read(2))); break;
                case Op.Long: Push(ParseTextLong(ReadLine())); break;
                case Op.Long1: Push(DecodeLong(Read(ReadByte()))); break;
                case Op.Long4: Push(DecodeLong(Read(ReadInt32Length()))); break;
                case Op.Float: Push(ParseTextFloat(ReadLine())); break;
                case Op.BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(Read(8))); break;

                case Op.BinString: Push(DecodeUtf8(Read(ReadInt32Length()))); break;
                case Op.ShortBinString: Push(DecodeUtf8(Read(ReadByte()))); break;
                case Op.BinUnicode: Push(DecodeUtf8(Read(ReadUInt32Length()))); break;
                case Op.ShortBinUnicode: Push(DecodeUtf8(Read(ReadByte()))); break;
                case Op.BinUnicode8: Push(DecodeUtf8(Read(ReadUInt64Length()))); break;
                case Op.BinBytes: Push(Read(ReadUInt32Length()).ToArray()); break;
                case Op.ShortBinBytes: Push(Read(ReadByte()).ToArray()); break;
                case Op.BinBytes8:
                case Op.ByteArray8: Push(Read(ReadUInt64Length()).ToArray()); break;

                case Op.EmptyTuple: Push(PyTuple.Empty); break;
                case Op.Tuple: Push(MakeTuple(PopMark())); break;
                case Op.Tuple1: Push(MakeTuple([Pop()])); break;
                case Op.Tuple2: { var b = Pop(); var a = Pop(); Push(MakeTuple([a, b])); break; }
                case Op.Tuple3: { var c = Pop(); var b = Pop(); var a = Pop(); Push(MakeTuple([a, b, c])); break; }
                case Op.EmptyList: Push(new List<object?>()); break;
                case Op.List: Push(PopMark()); break;
                case Op.Append: { var item = Pop(); Target<List<object?>>("APPEND").Add(item); break; }
                case Op.Appends: { var items = PopMark(); Target<List<object?>>("APPENDS").AddRange(items); break; }
                case Op.EmptyDict: Push(new RawDict()); break;
                case Op.Dict: { var items = PopMark(); var d = new RawDict(); SetItems(d, items); Push(d); break; }
                case Op.SetItem: { var v = Pop(); var k = Pop(); SetItems(Target<RawDict>("SETITEM"), [k, v]); break; }
                case Op.SetItems: { var items = PopMark(); SetItems(Target<RawDict>("SETITEMS"), items); break; }
                case Op.EmptySet: Push(new RawSet()); break;
                case Op.AddItems: { var items = PopMark(); AddToSet(Target<RawSet>("ADDITEMS"), items); break; }
                case Op.FrozenSet: { var s = new RawSet(); AddToSet(s, PopMark()); Push(s); break; }

                case Op.Get: PushMemo(ParseMemoIndex(ReadLine())); break;
                case Op.BinGet: PushMemo(ReadByte()); break;
                case Op.LongBinGet: PushMemo(BinaryPrimitives.ReadUInt32LittleEndian(Read(4))); break;
                case Op.Put: Memoize(ParseMemoIndex(ReadLine())); break;
                case Op.BinPut: Memoize(ReadByte()); break;
                case Op.LongBinPut: Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Read(4))); break;
                case Op.Memoize: Memoize(_memo.Count); break;

                case Op.Global:
                {
                    string module = ReadLine();
                    Push(PickleGlobals.Resolve(module, ReadLine()));
                    break;
                }
                case Op.StackGlobal:
                {
                    var name = Pop() as string ?? throw Bad("STACK_GLOBAL needs a string name");
                    var module = Pop() as string ?? throw Bad("STACK_GLOBAL needs a string module");
                    Push(PickleGlobals.Resolve(module, name));
                    break;
                }
                case Op.Reduce:
                {
                    var args = Pop() as PyTuple ?? throw Bad("REDUCE needs a tuple of arguments");
                    var callable = Peek() as PickleGlobal ?? throw Bad($"REDUCE can only call an allowlisted global, not {Describe(Peek())}");
                    _stack[^1] = Call(callable, args);
                    break;
                }
                case Op.NewObj: { var args = Pop(); NewObject(Pop(), args, null); break; }
                case Op.NewObjEx: { var kwargs = Pop(); var args = Pop(); NewObject(Pop(), args, kwargs); break; }
                case Op.Build: { var state = Pop(); Build(Peek(), state); break; }
                case Op.BinPersId: Push(_tensors.LoadStorage(Pop())); break;

                case Op.PersId: throw Bad("a text persistent id (PERSID); PyTorch writes storages with BINPERSID");
                case Op.Inst:
                case Op.Obj: throw Bad("an INST/OBJ opcode, which instantiates a class by name; that is never allowed");
                case Op.Ext1:
                case Op.Ext2:
                case Op.Ext4: throw Bad("an EXT opcode (the copyreg extension registry); that is never allowed");
                case Op.NextBuffer:
                case Op.ReadOnlyBuffer: throw Bad("an out-of-band buffer (protocol 5 NEXT_BUFFER/READONLY_BUFFER), which a file cannot supply");
                case Op.String:
                case Op.Unicode: throw Bad("a protocol 0 text string (STRING/UNICODE), which torch.save never writes");
                default: throw Bad($"unknown opcode 0x{op:x2} at offset {at}");
            }
        }
    }

    // ---------------------------------------------------------------- stack and memo

    private int Base => _marks.Count > 0 ? _marks[^1] : 0;

    private void Push(object? value)
    {
        if (_stack.Count >= CheckpointLimits.MaxPickleEntries) throw Bad($"the value stack grew past {CheckpointLimits.MaxPickleEntries} entries");
        _stack.Add(value);
    }

    private object? Pop()
    {
        if (_stack.Count <= Base) throw Bad("an opcode pops from an empty stack");
        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Peek() => _stack.Count > Base ? _stack[^1] : throw Bad("an opcode reads from an empty stack");

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Bad("an opcode needs a MARK that was never set");
        int start = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private T Target<T>(string opcode) where T : class
        => Peek() as T ?? throw Bad($"{opcode} applies to a {Describe(Peek())}");

    private void PushMemo(long index)
    {
        if (!_memo.TryGetValue(index, out var value)) throw Bad($"memo entry {index} is read before it is written");
        Push(value);
    }

    private void Memoize(long index)
    {
        if (_memo.Count >= CheckpointLimits.MaxPickleEntries && !_memo.ContainsKey(index))
            throw Bad($"the memo grew past {CheckpointLimits.MaxPickleEntries} entries");
        _memo[index] = Peek();
    }

    // ---------------------------------------------------------------- containers

    private static PyTuple MakeTuple(List<object?> items)
    {
        var tuple = new PyTuple(items);
        if (tuple.Depth > CheckpointLimits.MaxNestingDepth) throw Bad($"tuples are nested more than {CheckpointLimits.MaxNestingDepth} deep");
        return tuple;
    }

    private static void SetItems(RawDict dict, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Bad("SETITEMS has a key without a value");
        for (int i = 0; i < items.Count; i += 2) dict.Items[CheckKey(items[i])] = items[i + 1];
    }

    private static void AddToSet(RawSet set, IEnumerable<object?> items)
    {
        foreach (var item in items) set.Items.Add(CheckKey(item));
    }

    /// <summary>Python requires keys to be hashable; SharpOptim takes strings, numbers, booleans and small tuples of those.</summary>
    internal static object CheckKey(object? key)
    {
        switch (key)
        {
            case string or long or double or bool: return key;
            case PyTuple { CheckedAsKey: true } t:
                return t;
            case PyTuple t:
                if (t.TreeSize > CheckpointLimits.MaxKeyElements) throw Bad($"a tuple with {t.TreeSize} elements is used as a key (at most {CheckpointLimits.MaxKeyElements})");
                foreach (var item in t) CheckKey(item);
                t.CheckedAsKey = true;
                return t;
            case null: throw Bad("None is used as a dictionary key or set element, which SharpOptim's dictionaries cannot hold");
            default: throw Bad($"a {Describe(key)} is used as a dictionary key or set element");
        }
    }

    // ---------------------------------------------------------------- calls

    private object Call(PickleGlobal callable, PyTuple args)
    {
        switch (callable.Kind)
        {
            case GlobalKind.OrderedDict:
            case GlobalKind.Counter: return NewDict(args, callable);
            case GlobalKind.TorchSize:
                if (args.Count != 1 || args[0] is not PyTuple and not List<object?>) throw Bad("torch.Size takes one tuple");
                return MakeTuple(((IEnumerable<object?>)args[0]!).Select(x => x is long ? x : throw Bad("torch.Size holds a non-integer")).ToList<object?>());
            case GlobalKind.CodecsEncode:
                if (args.Count != 2 || args[0] is not string encoded || args[1] is not string codec) throw Bad("_codecs.encode takes a string and an encoding");
                return Encode(encoded, codec);
            case GlobalKind.ByteArray:
                return args.Count switch
                {
                    0 => Array.Empty<byte>(),
                    1 when args[0] is byte[] bytes => bytes.ToArray(),
                    2 when args[0] is string text && args[1] is string encoding => Encode(text, encoding),
                    _ => throw Bad("bytearray takes bytes, or a string and an encoding"),
                };
            case GlobalKind.Set:
            case GlobalKind.FrozenSet:
            {
                var set = new RawSet();
                if (args.Count == 1 && args[0] is IEnumerable<object?> items) AddToSet(set, items);
                else if (args.Count == 1 && args[0] is RawSet other) AddToSet(set, other.Items);
                else if (args.Count != 0) throw Bad($"{callable} takes one list");
                return set;
            }
            case GlobalKind.RebuildFromTypeV2:
            {
                // (func, type, args, state): func(*args), for a Tensor or Parameter; attributes in state are not kept.
                if (args.Count != 4 || args[0] is not PickleGlobal func || args[1] is not PickleGlobal { Kind: GlobalKind.TensorType or GlobalKind.ParameterType } type
                    || args[2] is not PyTuple inner || func.Kind is not (GlobalKind.RebuildTensor or GlobalKind.RebuildTensorV2 or GlobalKind.RebuildTensorV3 or GlobalKind.RebuildParameter or GlobalKind.RebuildParameterWithState))
                    throw Bad("torch._tensor._rebuild_from_type_v2 takes a tensor rebuild function, torch.Tensor or torch.nn.Parameter, and its arguments");
                var tensor = (Tensor)Call(func, inner);
                return type.Kind == GlobalKind.ParameterType ? TensorRebuilder.AsParameter(tensor) : tensor;
            }
            case GlobalKind.RebuildTensor:
            case GlobalKind.RebuildTensorV2:
            case GlobalKind.RebuildTensorV3:
            case GlobalKind.RebuildParameter:
            case GlobalKind.RebuildParameterWithState:
                return _tensors.Rebuild(callable, args);
            default:
                throw Bad($"{callable} cannot be called");
        }
    }

    private static RawDict NewDict(PyTuple args, PickleGlobal callable)
    {
        var dict = new RawDict();
        if (args.Count == 0) return dict;
        if (args.Count == 1 && args[0] is RawDict source)
        {
            foreach (var (k, v) in source.Items) dict.Items[k] = v;
            return dict;
        }
        if (args.Count == 1 && args[0] is IEnumerable<object?> pairs)
        {
            foreach (var pair in pairs)
            {
                if (pair is not IReadOnlyList<object?> { Count: 2 } kv) throw Bad($"{callable} takes (key, value) pairs");
                dict.Items[CheckKey(kv[0])] = kv[1];
            }
            return dict;
        }
        throw Bad($"{callable} takes no arguments, a dict or a list of pairs");
    }

    private void NewObject(object? cls, object? args, object? kwargs)
    {
        if (kwargs is not null && kwargs is not RawDict { Items.Count: 0 }) throw Bad("NEWOBJ_EX with keyword arguments");
        if (cls is not PickleGlobal g || args is not PyTuple a) throw Bad($"NEWOBJ needs an allowlisted class and a tuple, got {Describe(cls)}");
        switch (g.Kind)
        {
            case GlobalKind.ParameterType:
                if (a.Count is < 1 or > 2 || a[0] is not Tensor data || (a.Count == 2 && a[1] is not bool)) throw Bad("torch.nn.Parameter takes a tensor and requires_grad");
                Push(TensorRebuilder.MakeParameter(data, a.Count < 2 || (bool)a[1]!));
                break;
            case GlobalKind.OrderedDict:
            case GlobalKind.Counter:
                Push(new RawDict());
                break;
            default:
                throw Bad($"NEWOBJ can only create torch.nn.Parameter or a dict, not {g}");
        }
    }

    /// <summary>BUILD sets attributes: only on an OrderedDict (PyTorch's module state dicts carry <c>_metadata</c>) or a Parameter, and SharpOptim drops them.</summary>
    private static void Build(object? instance, object? state)
    {
        switch (instance)
        {
            case RawDict when state is null or RawDict or PyTuple { Count: 2 }:
                return;
            case SharpOptim.NN.Parameter when state is null or RawDict or PyTuple:
                return;
            default:
                throw Bad($"BUILD can set attributes only on an OrderedDict or a Parameter, not on a {Describe(instance)}");
        }
    }

    private static byte[] Encode(string text, string encoding)
    {
        switch (encoding.ToLowerInvariant())
        {
            case "latin1":
            case "latin-1":
            case "iso-8859-1":
                if (text.Any(c => c > 0xFF)) throw Bad("_codecs.encode: a character does not fit latin-1");
                return Encoding.Latin1.GetBytes(text);
            case "utf-8":
            case "utf8":
                return StrictUtf8.GetBytes(text);
            case "ascii":
                if (text.Any(c => c > 0x7F)) throw Bad("_codecs.encode: a character does not fit ascii");
                return Encoding.ASCII.GetBytes(text);
            default:
                throw Bad($"_codecs.encode with encoding '{encoding}' is not supported");
        }
    }

    // ---------------------------------------------------------------- reading

    private byte ReadByte() => _pos < _data.Length ? _data[_pos++] : throw Truncated();

    private ReadOnlySpan<byte> Read(long count)
    {
        if (count < 0 || count > _data.Length - _pos) throw Truncated();
        var span = _data.AsSpan(_pos, (int)count);
        _pos += (int)count;
        return span;
    }

    private ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Read(8));

    private long ReadUInt32Length() => BinaryPrimitives.ReadUInt32LittleEndian(Read(4));

    private long ReadInt32Length()
    {
        int n = BinaryPrimitives.ReadInt32LittleEndian(Read(4));
        return n >= 0 ? n : throw Bad("a negative length");
    }

    private long ReadUInt64Length()
    {
        ulong n = ReadUInt64();
        return n <= (ulong)(_data.Length - _pos) ? (long)n : throw Truncated();
    }

    /// <summary>A text argument up to its newline (protocol 0 style, used by GLOBAL and the text numbers).</summary>
    private string ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0) throw Truncated();
        var text = DecodeUtf8(_data.AsSpan(_pos, end - _pos));
        _pos = end + 1;
        return text;
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw Bad("a string is not valid UTF-8"); }
    }

    private static long DecodeLong(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 16) throw Bad($"an integer of {bytes.Length} bytes does not fit in 64 bits");
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : throw Bad($"the integer {value} does not fit in 64 bits");
    }

    private static object ParseTextInt(string text) => text switch
    {
        "00" => false,
        "01" => true,
        _ => ParseTextLong(text),
    };

    private static long ParseTextLong(string text)
    {
        var digits = text.EndsWith('L') ? text[..^1] : text;
        if (digits.Length > 40 || !BigInteger.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw Bad($"'{Shorten(text)}' is not an integer");
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : throw Bad($"the integer {digits} does not fit in 64 bits");
    }

    private static double ParseTextFloat(string text) => text switch
    {
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        "nan" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Bad($"'{Shorten(text)}' is not a float"),
    };

    private static long ParseMemoIndex(string text)
        => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : throw Bad($"'{Shorten(text)}' is not a memo index");

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    internal static string Describe(object? value) => value switch
    {
        null => "None",
        RawDict => "dict",
        List<object?> => "list",
        PyTuple => "tuple",
        RawSet => "set",
        string => "string",
        long => "int",
        double => "float",
        bool => "bool",
        byte[] => "bytes",
        Tensor => "tensor",
        LoadedStorage => "storage",
        PickleGlobal g => g.FullName,
        _ => value.GetType().Name,
    };

    private CheckpointFormatException Truncated() => Bad($"data.pkl ends in the middle of an opcode (offset {_pos} of {_data.Length}): the file is truncated or damaged");

    internal static CheckpointFormatException Bad(string message) => new($"Cannot load the checkpoint's data.pkl: {message}.");
}
