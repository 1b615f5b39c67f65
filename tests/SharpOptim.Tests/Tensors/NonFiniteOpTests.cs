using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Tensors;

/// <summary>
/// The tensor ops whose non-finite results the optimizers depend on, against PyTorch's
/// (nonfinite.sofx, tools/golden/nonfinite.py): <c>sign</c> of NaN, ±Inf, ±0 and subnormals
/// (PyTorch's CPU sign is <c>(0 &lt; x) − (x &lt; 0)</c>: NaN and −0.0 give +0.0), and
/// <see cref="Tensor.Addcmul"/>, which rounds once as PyTorch's CPU addcmul does (centered RMSprop
/// relies on it to keep an overflowing <c>grad_avg²</c> at inf rather than NaN).
/// </summary>
public class NonFiniteOpTests
{
    private const string FixtureName = "nonfinite.sofx";

    [Theory]
    [InlineData("float32")]
    [InlineData("float64")]
    public void SignIsTorchsOnEveryValueBitForBit(string dtypeName)
    {
        var record = Fixture.Load(FixtureName)["sign"]![dtypeName]!;
        var dtype = Fixture.DType(dtypeName);
        var scalars = Fixture.Numbers(record["input"]).Select(v => Torch.Scalar(v, dtype).Sign().Item()).ToArray();
        AssertSameBits(Fixture.Numbers(record["scalar_output"]), Bools(record["scalar_signbit"]), scalars, "0-d sign");

        var input = Fixture.Numbers(record["vector_input"]);
        var vector = Torch.Tensor(input).To(dtype);
        AssertSameBits(Fixture.Numbers(record["vector_output"]), Bools(record["vector_signbit"]), vector.Sign().ToDoubleArray(), "sign");
        AssertSameBits(Fixture.Numbers(record["vector_output"]), Bools(record["vector_signbit"]), vector.Clone().Sign_().ToDoubleArray(), "sign_");
    }

    /// <summary>Random operands: every element is PyTorch's addcmul bit for bit (one fused multiply-add).</summary>
    [Fact]
    public void AddcmulIsTorchsAddcmulBitForBit()
    {
        foreach (var record in Fixture.Load(FixtureName)["addcmul_probe"]!["random"]!.AsArray())
        {
            var dtype = Fixture.DType(record!["dtype"]!.GetValue<string>());
            Tensor Operand(string key) => Torch.Tensor(Fixture.Numbers(record[key])).To(dtype);
            double value = Fixture.Number(record["value"]);
            var result = Operand("self").Addcmul(Operand("tensor1"), Operand("tensor2"), value);
            Assert.Equal(Fixture.Numbers(record["result"]), result.ToDoubleArray());
        }
    }

    /// <summary><c>inf − g·g</c> with <c>g·g</c> beyond the range is inf in PyTorch: the exact product is subtracted once.</summary>
    [Theory]
    [InlineData("float32", 1e25)]
    [InlineData("float64", 1e198)]
    public void AddcmulOfAnOverflowingProductIsTorchsInfinity(string dtypeName, double big)
    {
        var dtype = Fixture.DType(dtypeName);
        foreach (int n in new[] { 1, 64 })
        {
            var expected = Fixture.Numbers(Fixture.Load(FixtureName)["addcmul_probe"]!["overflow"]![$"{dtypeName}/n{n}"]);
            var g = Torch.Full([n], big, dtype);
            Assert.Equal(expected, Torch.Full([n], double.PositiveInfinity, dtype).Addcmul(g, g, -1).ToDoubleArray());
        }
    }

    [Fact]
    public void AddcmulRecordsAddcmulsGradient()
    {
        var self = Torch.Tensor([1.0, -2.0, 0.5], requiresGrad: true);
        var t1 = Torch.Tensor([0.3, 0.7, -1.1], requiresGrad: true);
        var t2 = Torch.Tensor([2.0, -0.25, 4.0], requiresGrad: true);
        var y = self.Addcmul(t1, t2, -0.5);
        Assert.Equal("AddcmulBackward0", y.GradFn!.Name);
        y.Sum().Backward();
        Assert.Equal([1.0, 1.0, 1.0], self.Grad!.ToDoubleArray());
        Assert.Equal(t2.Detach().Mul(-0.5).ToDoubleArray(), t1.Grad!.ToDoubleArray());
        Assert.Equal(t1.Detach().Mul(-0.5).ToDoubleArray(), t2.Grad!.ToDoubleArray());
    }

    private static bool[] Bools(System.Text.Json.Nodes.JsonNode? node) => node!.AsArray().Select(b => b!.GetValue<bool>()).ToArray();

    /// <summary>Equal values, and the same sign bit (so +0.0 and −0.0 are told apart).</summary>
    private static void AssertSameBits(double[] expected, bool[] expectedSignBit, double[] actual, string what)
    {
        Assert.Equal(expected, actual);
        for (int i = 0; i < actual.Length; i++)
            Assert.True(double.IsNegative(actual[i]) == expectedSignBit[i], $"{what}: element {i} is {actual[i]} with the sign bit {(expectedSignBit[i] ? "set" : "clear")} in PyTorch's");
    }
}
