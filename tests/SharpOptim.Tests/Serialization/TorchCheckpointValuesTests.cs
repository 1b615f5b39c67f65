using System.Collections;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Serialization;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Serialization;

/// <summary>
/// Every kind of value a checkpoint can hold, saved by PyTorch in pickle protocols 1 to 5 and in
/// big-endian byte order (tools/golden/checkpoint_values.py), loads to what torch.load returned
/// for it; the files PyTorch itself refuses with weights_only=True because of their globals are
/// refused here too, naming the global.
/// </summary>
public class TorchCheckpointValuesTests
{
    private const string Values = "checkpoint_values.json";

    private static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "checkpoints", "torch", file);

    public static IEnumerable<object[]> ValueFiles()
        => new[] { 1, 2, 3, 4, 5 }.Select(p => new object[] { $"values_protocol{p}.pt" }).Append(["values_bigendian.pt"]);

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void LoadsWhatTorchLoadReturns(string file)
    {
        var loaded = Assert.IsType<OrderedDictionary<string, object?>>(Torch.Load(PathOf(file)));
        var expected = Fixture.Load(Values)["content"]!.AsObject();
        Assert.Equal(expected.Select(kv => kv.Key), loaded.Keys);
        foreach (var (key, value) in expected) AssertTagged(value!.AsObject(), loaded[key], key);
    }

    [Fact]
    public void ViewsOfOneStorageStayOneStorageAndOneTensorStaysOneObject()
    {
        var loaded = Torch.Load<OrderedDictionary<string, object?>>(PathOf("values_protocol2.pt"));
        var baseTensor = (Tensor)loaded["base"]!;
        var row = (Tensor)loaded["row"]!;
        var transposed = (Tensor)loaded["transposed"]!;
        baseTensor.AsSpan<float>()[4] = 100;
        Assert.Equal(100f, row.AsSpan<float>()[0]);             // base[1] is a view: PyTorch shares it too
        Assert.Equal(1f, transposed.AsSpan<float>()[3]);          // a transposed view is copied (contiguous tensors only here)
        var twice = (List<object?>)loaded["same_tensor_twice"]!;
        Assert.Same(twice[0], twice[1]);
    }

    [Fact]
    public void ParametersLoadAsParameters()
    {
        var loaded = Torch.Load<OrderedDictionary<string, object?>>(PathOf("values_protocol2.pt"));
        Assert.True(Assert.IsType<Parameter>(loaded["parameter"]).RequiresGrad);
        Assert.False(Assert.IsType<Parameter>(loaded["frozen_parameter"]).RequiresGrad);
        var plain = Assert.IsType<Tensor>(loaded["requires_grad"]);
        Assert.True(plain.RequiresGrad && plain.IsLeaf);
    }

    [Fact]
    public void PyTorchsWeightsOnlyLoaderReadsProtocol2AndBigEndianButNotTheOtherProtocols()
    {
        // Recorded so the claim "SharpOptim reads protocols 1-5" is checked against what PyTorch itself reads.
        var loads = Fixture.Load(Values)["torch_load_weights_only"]!.AsObject();
        Assert.True(loads["values_protocol2.pt"]!["ok"]!.GetValue<bool>());
        Assert.True(loads["values_bigendian.pt"]!["ok"]!.GetValue<bool>());
        foreach (var p in new[] { 1, 3, 4, 5 }) Assert.False(loads[$"values_protocol{p}.pt"]!["ok"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("custom_class.pt", "GLOBAL __main__.Point is not allowed")]
    [InlineData("os_system.pt", "GLOBAL posix.system is not allowed (module posix is never allowed)")]
    public void RefusesGlobalsOutsideTheAllowlistAsPyTorchDoes(string file, string message)
    {
        Assert.False(Fixture.Load(Values)["torch_load_weights_only"]![file]!["ok"]!.GetValue<bool>());
        var e = Assert.Throws<CheckpointFormatException>(() => Torch.Load(PathOf(file)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AnElementTypeWithoutASharpOptimDTypeIsNamed()
    {
        Assert.True(Fixture.Load(Values)["torch_load_weights_only"]!["uint16.pt"]!["ok"]!.GetValue<bool>());
        var e = Assert.Throws<CheckpointFormatException>(() => Torch.Load(PathOf("uint16.pt")));
        Assert.Contains("holds a torch.uint16 tensor, an element type SharpOptim does not support", e.Message);
    }

    [Fact]
    public void ATensorOverAnUntypedStorageLoadsWhenItsDTypeIsSupported()
    {
        // torch.save uses _rebuild_tensor_v3 (an UntypedStorage plus a dtype) only for dtypes without a
        // storage class, as in uint16.pt; the same shape of pickle with float32 must load.
        var pickle = new PickleBuilder().Global("torch._utils", "_rebuild_tensor_v3").Op('(')
            .Op('(').Str("storage").Global("torch.storage", "UntypedStorage").Str("0").Str("cpu").Int(8).Op('t').Op('Q')
            .Int(0).Op('(').Int(2).Op('t').Op('(').Int(1).Op('t').Op(0x89).Global("collections", "OrderedDict").Op(')').Op('R')
            .Global("torch", "float32").Op('t').Op('R');
        var bytes = new byte[8];
        BitConverter.GetBytes(1.5f).CopyTo(bytes, 0);
        BitConverter.GetBytes(-2f).CopyTo(bytes, 4);
        var t = Assert.IsType<Tensor>(CraftedCheckpoint.Load(CraftedCheckpoint.Archive(pickle, ("data/0", bytes))));
        Assert.Equal([1.5f, -2f], t.ToArray<float>());
    }

    [Fact]
    public void RefusesTheLegacyFormatWithAClearMessage()
    {
        var e = Assert.Throws<CheckpointFormatException>(() => Torch.Load(PathOf("legacy_format.pt")));
        Assert.Contains("not the legacy pickle format", e.Message);
    }

    /// <summary>checkpoint_values.py's tagged tree: {"int": 1}, {"float": 0.5}, {"tensor": dtype, ...}, {"dict": [[k, v], ...]}, ...</summary>
    private static void AssertTagged(JsonObject expected, object? actual, string path)
    {
        var (tag, value) = (expected.First().Key, expected.First().Value);
        switch (tag)
        {
            case "none": Assert.Null(actual); break;
            case "bool": Assert.Equal(value!.GetValue<bool>(), Assert.IsType<bool>(actual)); break;
            case "int": Assert.Equal(value!.GetValue<long>(), Assert.IsType<long>(actual)); break;
            case "float": AssertSameDouble(Fixture.Number(value), Assert.IsType<double>(actual), path); break;
            case "str": Assert.Equal(value!.GetValue<string>(), Assert.IsType<string>(actual)); break;
            case "bytes": Assert.Equal(Convert.FromHexString(value!.GetValue<string>()), Assert.IsType<byte[]>(actual)); break;
            case "dtype": Assert.Equal(value!.GetValue<string>(), Assert.IsType<DType>(actual).TorchName()); break;
            case "list": AssertItems(value!.AsArray(), Assert.IsType<List<object?>>(actual), path); break;
            case "tuple": AssertItems(value!.AsArray(), Assert.IsType<PyTuple>(actual), path); break;
            case "set":
                var set = Assert.IsType<HashSet<object>>(actual);
                Assert.Equal(value!.AsArray().Count, set.Count);
                foreach (var item in value.AsArray()) Assert.Contains(set, x => Matches(item!.AsObject(), x));
                break;
            case "dict":
                var dict = Assert.IsAssignableFrom<IDictionary>(actual);
                var pairs = value!.AsArray();
                var keys = dict.Keys.Cast<object>().ToList();
                Assert.Equal(pairs.Count, keys.Count);
                for (int i = 0; i < pairs.Count; i++)
                {
                    AssertTagged(pairs[i]![0]!.AsObject(), keys[i], $"{path} key {i}");
                    AssertTagged(pairs[i]![1]!.AsObject(), dict[keys[i]], $"{path}[{keys[i]}]");
                }
                // A dict of string keys is OrderedDictionary<string, object?>; any other key makes it <object, object?>.
                Assert.Equal(keys.All(k => k is string), actual is OrderedDictionary<string, object?>);
                break;
            case "tensor": AssertTensor(expected, Assert.IsAssignableFrom<Tensor>(actual), path); break;
            default: throw new InvalidDataException($"unknown tag {tag}");
        }
    }

    private static bool Matches(JsonObject expected, object? actual)
    {
        try { AssertTagged(expected, actual, "set element"); return true; }
        catch (Xunit.Sdk.XunitException) { return false; }
    }

    private static void AssertItems(JsonArray expected, IReadOnlyList<object?> actual, string path)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) AssertTagged(expected[i]!.AsObject(), actual[i], $"{path}[{i}]");
    }

    /// <summary>float16/bfloat16 load as float32 and the narrower integers as int64, exactly (Torch.Load's documented conversions).</summary>
    private static void AssertTensor(JsonObject expected, Tensor actual, string path)
    {
        var dtype = expected["tensor"]!.GetValue<string>() switch
        {
            "float32" or "float16" or "bfloat16" => DType.Float32,
            "float64" => DType.Float64,
            "int64" or "int32" or "int16" or "int8" or "uint8" => DType.Int64,
            "bool" => DType.Bool,
            var other => throw new InvalidDataException(other),
        };
        Assert.True(dtype == actual.DType, $"{path}: dtype {actual.DType}, expected {dtype}");
        Assert.Equal(expected["shape"]!.AsArray().Select(x => x!.GetValue<int>()), actual.Shape);
        Assert.Equal(expected["requires_grad"]!.GetValue<bool>(), actual.RequiresGrad);
        Assert.Equal(expected["parameter"] is not null, actual is Parameter);
        LoadedValueAssert.AssertBits(expected["data"]!.AsArray(), actual, path);
    }

    private static void AssertSameDouble(double expected, double actual, string path)
        => Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual) || (double.IsNaN(expected) && double.IsNaN(actual)),
            $"{path}: {actual:R}, expected {expected:R}");
}
