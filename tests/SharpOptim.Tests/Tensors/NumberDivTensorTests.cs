using System.Globalization;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Tensors;

/// <summary>
/// Python's <c>number / tensor</c> against PyTorch 2.14 (fixture by tools/golden/number_div_tensor.py):
/// PyTorch evaluates it as <c>tensor.reciprocal() * number</c>, two roundings, and every way
/// SharpOptim divides a number by a tensor must give its bits: <see cref="Tensor"/>'s own
/// <c>double / Tensor</c>, and the number-or-tensor types that mirror Python's arithmetic
/// (<see cref="PyNumber"/>, <see cref="FloatOrTensor"/>, and <see cref="HyperScalar"/> without tensors).
/// </summary>
public class NumberDivTensorTests
{
    private static readonly JsonNode Recorded = Fixture.Load("number_div_tensor.json");

    private static readonly string[] DTypeNames = ["float32", "float64"];

    public static IEnumerable<object[]> Cases()
        => DTypeNames.SelectMany(dtype => Enumerable.Range(0, Numbers.Length).Select(i => new object[] { dtype, i }));

    private static double[] Numbers => Fixture.Numbers(Recorded["numbers"]);

    [Theory]
    [MemberData(nameof(Cases))]
    public void TensorOperatorDividesAsPython(string dtype, int number)
        => AssertBits(Numbers[number] / Divisors(dtype), dtype, number, "double / Tensor");

    [Theory]
    [MemberData(nameof(Cases))]
    public void FloatOrTensorDividesAsPython(string dtype, int number)
        => AssertBits(((FloatOrTensor)Numbers[number] / (FloatOrTensor)Divisors(dtype)).Tensor!, dtype, number, "FloatOrTensor");

    [Theory]
    [MemberData(nameof(Cases))]
    public void PyNumberDividesAsPython(string dtype, int number)
    {
        var divisors = Divisors(dtype);
        var quotients = Enumerable.Range(0, divisors.Numel)
            .Select(k => (PyNumber.Float(Numbers[number]) / PyNumber.Of(ZeroDim(divisors, k))).Value).ToArray();
        AssertBits(quotients, dtype, number, "PyNumber (0-d divisors)");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void HyperScalarDividesAsPython(string dtype, int number)
    {
        var divisors = Divisors(dtype);
        var quotients = Enumerable.Range(0, divisors.Numel)
            .Select(k => (HyperScalar.Number(Numbers[number]) / HyperScalar.Of(ZeroDim(divisors, k))).Value).ToArray();
        AssertBits(quotients, dtype, number, "HyperScalar (0-d divisors)");
    }

    /// <summary>
    /// The recording can tell the two rules apart: one rounded division differs from PyTorch's
    /// result in as many elements as the fixture counted (a quarter, give or take).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void OneRoundedDivisionDiffersWhereRecorded(string dtype, int number)
    {
        var divisors = Divisors(dtype);
        var oneDivision = Torch.FullLike(divisors, Numbers[number]).Div(divisors).ToDoubleArray();
        var expected = Expected(dtype, number);
        int differ = oneDivision.Where((q, k) => Bits(q, dtype) != expected[k]).Count();
        Assert.Equal(Recorded["differ_from_one_division"]![dtype]![number]!.GetValue<int>(), differ);
    }

    private static Tensor Divisors(string dtype)
        => SplitMix64.Tensor(Recorded["seed"]!.GetValue<ulong>(), Recorded["count"]!.GetValue<int>(), ToDType(dtype));

    private static Tensor ZeroDim(Tensor divisors, int k) => Torch.Scalar(divisors.ToDoubleArray()[k], divisors.DType);

    private static DType ToDType(string name) => name == "float32" ? DType.Float32 : DType.Float64;

    private static string[] Expected(string dtype, int number)
        => Recorded["results"]![dtype]![number]!.AsArray().Select(x => x!.GetValue<string>()).ToArray();

    private static string Bits(double value, string dtype) => dtype == "float32"
        ? BitConverter.SingleToUInt32Bits((float)value).ToString("x8", CultureInfo.InvariantCulture)
        : BitConverter.DoubleToUInt64Bits(value).ToString("x16", CultureInfo.InvariantCulture);

    private static void AssertBits(Tensor quotients, string dtype, int number, string what)
    {
        Assert.Equal(ToDType(dtype), quotients.DType);
        AssertBits(quotients.ToDoubleArray(), dtype, number, what);
    }

    private static void AssertBits(double[] quotients, string dtype, int number, string what)
    {
        var expected = Expected(dtype, number);
        Assert.Equal(expected.Length, quotients.Length);
        var wrong = Enumerable.Range(0, expected.Length).Where(k => Bits(quotients[k], dtype) != expected[k]).ToList();
        Assert.True(wrong.Count == 0,
            $"{what}, {dtype}, {Numbers[number]:R} / d: {wrong.Count} of {expected.Length} differ from PyTorch, first at {wrong.FirstOrDefault()}");
    }
}
