using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim.SwaUtils;

/// <summary>Reading and comparing the module state dicts that tools/golden/swa_utils.py records.</summary>
internal static class SwaFixture
{
    /// <summary>The recorded MLP: Linear(4, 8) - BatchNorm1d(8) - ReLU - Linear(8, 3).</summary>
    public static Sequential Mlp(DType dtype)
        => new(new Linear(4, 8, dtype: dtype), new BatchNorm1d(8, dtype: dtype), new ReLU(), new Linear(8, 3, dtype: dtype));

    public static JsonObject Case(string fixture, string id, string list = "cases")
        => Fixture.Load(fixture)[list]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!.AsObject();

    public static IEnumerable<object[]> CaseIds(string fixture, string list = "cases")
        => Fixture.Load(fixture)[list]!.AsArray().Select(c => new object[] { c!["id"]!.GetValue<string>() });

    /// <summary>A recorded <c>{key: tagged tensor}</c> state dict as tensors.</summary>
    public static OrderedDictionary<string, Tensor> StateDict(JsonNode? node)
    {
        var result = new OrderedDictionary<string, Tensor>();
        foreach (var (key, value) in node!.AsObject()) result[key] = Fixture.TaggedTensor(value!);
        return result;
    }

    /// <summary>Copies a recorded state dict into <paramref name="module"/> (strict, as PyTorch's load_state_dict).</summary>
    public static void Load(Module module, JsonNode? stateDict) => module.LoadStateDict(StateDict(stateDict));

    /// <summary>A <c>{"shape", "data"}</c> record as a tensor of <paramref name="dtype"/>.</summary>
    public static Tensor Shaped(JsonNode? node, DType dtype)
        => Fixture.Tensor(node!["data"], node["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray(), dtype);

    /// <summary>
    /// <paramref name="module"/>'s state dict against a recorded one: the same keys in the same
    /// order, equal dtypes and shapes, integer tensors equal, floating ones within <see cref="Tolerance"/>.
    /// </summary>
    public static void AssertStateDict(Module module, JsonNode? expected, string where)
    {
        var actual = module.StateDict();
        var recorded = expected!.AsObject();
        Assert.True(recorded.Select(kv => kv.Key).SequenceEqual(actual.Keys),
            $"{where}: keys [{string.Join(", ", actual.Keys)}], PyTorch has [{string.Join(", ", recorded.Select(kv => kv.Key))}]");
        foreach (var (key, value) in recorded) AssertTensor(actual[key], value!, $"{where}: {key}");
    }

    /// <summary>A tensor against a recorded tagged tensor (dtype, shape, values).</summary>
    public static void AssertTensor(Tensor actual, JsonNode expected, string what)
    {
        var want = Fixture.TaggedTensor(expected);
        Assert.True(want.DType == actual.DType, $"{what}: dtype {actual.DType.TorchName()}, PyTorch has {want.DType.TorchName()}");
        Assert.True(want.Shape.SequenceEqual(actual.Shape), $"{what}: shape {PyShape(actual)}, PyTorch has {PyShape(want)}");
        if (!actual.IsFloatingPoint) Assert.Equal(want.ToDoubleArray(), actual.ToDoubleArray());
        else Tolerance.AssertClose(actual, want.ToDoubleArray(), actual.DType, what);
    }

    /// <summary>PyTorch's <c>assertEqual</c> for float32 tensors: |actual - expected| ≤ atol + rtol·|expected|.</summary>
    public static void AssertEqualLikePyTorch(Tensor actual, double[] expected, string what, double atol = 1e-5, double rtol = 1.3e-6)
    {
        var got = actual.ToDoubleArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
            Assert.True(Math.Abs(got[i] - expected[i]) <= atol + rtol * Math.Abs(expected[i]), $"{what}[{i}]: {got[i]:R} vs PyTorch's {expected[i]:R}");
    }

    /// <summary>
    /// A network output against PyTorch's: the largest difference relative to the largest
    /// magnitude within <see cref="Tolerance"/>. Forward passes sum products in a different order
    /// than PyTorch (matmul), so an output near zero can differ by a few ulps of the output's
    /// scale; the element-wise floor of <see cref="Tolerance.AssertClose"/> is meant for weights.
    /// </summary>
    public static void AssertOutput(Tensor actual, JsonNode? expected, string what)
    {
        var want = Fixture.Numbers(expected!["data"]);
        var got = actual.ToDoubleArray();
        Assert.Equal(want.Length, got.Length);
        double scale = want.Max(Math.Abs), worst = 0;
        for (int i = 0; i < want.Length; i++) worst = Math.Max(worst, Math.Abs(got[i] - want[i]));
        double limit = Tolerance.For(actual.DType);
        Assert.True(worst <= limit * scale, $"{what}: largest difference {worst:E3} exceeds {limit:E0} of the largest magnitude {scale:E3}");
    }

    private static string PyShape(Tensor t) => "[" + string.Join(", ", t.Shape) + "]";
}
