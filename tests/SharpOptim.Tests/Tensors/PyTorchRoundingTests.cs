using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Tensors;

/// <summary>
/// The tensor ops whose every bit PyTorch's CPU kernels decide (add/sub with alpha, addcmul,
/// addcdiv, lerp, tanh's and sigmoid's backward, and the sums, means, norms and dot products),
/// against PyTorch 2.14 on random
/// inputs of lengths 1..100, 1000, 4097 and 100000 and of 2-D and 3-D shapes, float32 and float64
/// (fixture by tools/golden/rounding.py, whose docstring lists what the recording showed): each
/// result must equal PyTorch's bit for bit, in the vector body and the scalar tail.
/// </summary>
public class PyTorchRoundingTests
{
    private const string Name = "rounding.json.gz";

    private static JsonNode Recorded => Fixture.Load(Name);

    private static readonly Dictionary<string, Func<Operands, Tensor>> Elementwise = new()
    {
        ["add"] = o => o.A.Add(o.B, o.Alpha),
        ["add_alpha_1"] = o => o.A.Add(o.B),
        ["add_in_place"] = o => o.A.Clone().Add_(o.B, o.Alpha),
        ["sub"] = o => o.A.Sub(o.B, o.Alpha),
        ["add_0d_other"] = o => o.A.Add(o.S, o.Alpha),
        ["sub_0d_other"] = o => o.A.Sub(o.S, o.Alpha),
        ["add_0d_other_alpha_1"] = o => o.A.Add(o.S),
        ["add_0d_self"] = o => o.S.Add(o.B, o.Alpha),
        ["addcmul"] = o => o.A.Addcmul(o.B, o.C, o.Alpha),
        ["addcmul_value_1"] = o => o.A.Addcmul(o.B, o.C),
        ["addcmul_0d_tensor2"] = o => o.A.Addcmul(o.B, o.S, o.Alpha),
        ["addcmul_in_place"] = o => o.A.Clone().Addcmul_(o.B, o.C, o.Alpha),
        ["addcdiv"] = o => o.A.Addcdiv(o.B, o.C, o.Alpha),
        ["addcdiv_0d_tensor2"] = o => o.A.Addcdiv(o.B, o.S, o.Alpha),
        ["lerp_weight_0.3"] = o => o.A.Lerp(o.B, 0.3),
        ["lerp_weight_0.7"] = o => o.A.Lerp(o.B, 0.7),
        ["lerp_in_place_0.7"] = o => o.A.Clone().Lerp_(o.B, 0.7),
        ["lerp_tensor_weight"] = o => o.A.Lerp(o.B, o.W),
        ["lerp_0d_weight"] = o => o.A.Lerp(o.B, o.S.Abs()),
        ["lerp_0d_end"] = o => o.A.Lerp(o.S, 0.3),
        ["tanh_backward"] = o => Tensor.TanhBackward(o.B, o.A.Div(64)),
        ["sigmoid_backward"] = o => Tensor.SigmoidBackward(o.B, o.A.Div(64)),
    };

    private static readonly Dictionary<string, Func<Operands, Tensor>> Reductions = new()
    {
        ["sum"] = o => o.A.Sum(),
        ["mean"] = o => o.A.Mean(),
        ["dot"] = o => o.A.Dot(o.B),
        ["norm"] = o => o.A.Norm(),
        ["norm_p1"] = o => o.A.Norm(1),
        ["norm_inf"] = o => o.A.Norm(double.PositiveInfinity),
        ["norm_p3"] = o => o.A.Norm(3),
    };

    private static readonly Dictionary<string, Func<Tensor, Tensor>> Shaped = new()
    {
        ["sum_dim0"] = x => x.Sum(0),
        ["sum_dim1"] = x => x.Sum(1),
        ["sum_last_dim"] = x => x.Sum(-1),
        ["mean_dim0"] = x => x.Mean(0),
        ["mean_dim1"] = x => x.Mean(1),
        ["norm_last_dim"] = x => x.Norm(2, -1),
        ["norm_dim0"] = x => x.Norm(2, 0),
        ["norm_p1_dim0"] = x => x.Norm(1, 0),
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, DType), Operands> OperandCache = new();

    /// <summary>rounding.py's operands of length <paramref name="n"/> (drawn once per length and dtype; the ops do not change them).</summary>
    private static Operands OperandsOf(int n, DType dtype) => OperandCache.GetOrAdd((n, dtype), key => new Operands(key.Item1, key.Item2));

    /// <summary>rounding.py's operands of length <paramref name="n"/>: stream n·1000 + k for operand k.</summary>
    private sealed class Operands(int n, DType dtype)
    {
        public Tensor A { get; } = SplitMix64.Tensor((ulong)n * 1000 + 1, n, dtype);
        public Tensor B { get; } = SplitMix64.Tensor((ulong)n * 1000 + 2, n, dtype);
        public Tensor C { get; } = SplitMix64.Tensor((ulong)n * 1000 + 3, n, dtype);
        public Tensor S { get; } = SplitMix64.Tensor((ulong)n * 1000 + 4, 1, dtype).Reshape();
        public double Alpha { get; } = SplitMix64.Values((ulong)n * 1000 + 5, 1)[0];
        public Tensor W { get; } = Torch.Tensor(SplitMix64.Draws((ulong)n * 1000 + 6, n).Select(d => SplitMix64.Unit(d) * 1.5 - 0.25).ToArray()).To(dtype);
    }

    private static int[] Lengths => Recorded["lengths"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();

    private static string Sha(Tensor t) => Convert.ToHexStringLower(SHA256.HashData(t.AsBytes()))[..16];

    public static IEnumerable<object[]> ElementwiseCases()
        => from op in Elementwise.Keys from dtype in new[] { "float32", "float64" } select new object[] { op, dtype };

    public static IEnumerable<object[]> ReductionCases()
        => from op in Reductions.Keys from dtype in new[] { "float32", "float64" } select new object[] { op, dtype };

    public static IEnumerable<object[]> ShapedCases() => Shaped.Keys.Select(op => new object[] { op });

    [Theory]
    [MemberData(nameof(ElementwiseCases))]
    public void ElementwiseOpRoundsAsPyTorch(string op, string dtype)
    {
        var expected = Recorded["elementwise"]![op]![dtype]!.AsArray();
        var lengths = Lengths;
        var differ = new List<int>();
        for (int i = 0; i < lengths.Length; i++)
            if (Sha(Elementwise[op](OperandsOf(lengths[i], Fixture.DType(dtype)))) != expected[i]!.GetValue<string>()) differ.Add(lengths[i]);
        Assert.True(differ.Count == 0, $"{op} {dtype} differs from PyTorch at lengths {string.Join(", ", differ)}");
    }

    [Theory]
    [MemberData(nameof(ReductionCases))]
    public void ReductionAddsInPyTorchsOrder(string op, string dtype)
    {
        var expected = Recorded["reductions"]![op]![dtype]!.AsArray();
        var lengths = Lengths;
        var differ = new List<string>();
        for (int i = 0; i < lengths.Length; i++)
        {
            double ours = Reductions[op](OperandsOf(lengths[i], Fixture.DType(dtype))).Item(), theirs = Fixture.Number(expected[i]);
            if (BitConverter.DoubleToInt64Bits(ours) != BitConverter.DoubleToInt64Bits(theirs)) differ.Add($"{lengths[i]} ({ours:R} vs {theirs:R})");
        }
        Assert.True(differ.Count == 0, $"{op} {dtype} differs from PyTorch at lengths {string.Join(", ", differ)}");
    }

    [Theory]
    [MemberData(nameof(ShapedCases))]
    public void ReductionOverADimAddsInPyTorchsOrder(string op)
    {
        var differ = new List<string>();
        foreach (var c in Recorded["shaped"]!.AsArray().Where(c => c!["op"]!.GetValue<string>() == op))
        {
            var shape = c!["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
            var dtype = c["dtype"]!.GetValue<string>();
            var x = OperandsOf(shape.Aggregate(1, (p, d) => p * d), Fixture.DType(dtype)).A.Reshape(shape);
            if (Sha(Shaped[op](x)) != c["sha"]!.GetValue<string>()) differ.Add($"[{string.Join(", ", shape)}] {dtype}");
        }
        Assert.True(differ.Count == 0, $"{op} differs from PyTorch for {string.Join("; ", differ)}");
    }
}
