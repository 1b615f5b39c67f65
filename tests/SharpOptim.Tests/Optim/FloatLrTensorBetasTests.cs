using System.Globalization;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Adam, AdamW and Adamax with a float lr and tensor betas, where PyTorch's for-loop computes
/// <c>lr / (1 - beta1 ** step)</c> as Python's <c>number / tensor</c> (a reciprocal, then a
/// product): ten steps must end on PyTorch's parameters bit for bit (fixture by
/// tools/golden/number_div_tensor.py, which draws the parameters and gradients as rounding.py does).
/// </summary>
public class FloatLrTensorBetasTests
{
    private static readonly JsonNode Recorded = Fixture.Load("number_div_tensor.json")["tensor_betas"]!;

    /// <summary>The paths that follow PyTorch's for-loop arithmetic: the reference (foreach false), and Adam's default kernel.</summary>
    public static TheoryData<string, string, bool?> Cases() => new()
    {
        { "Adam", "float32", false }, { "Adam", "float64", false }, { "Adam", "float32", null }, { "Adam", "float64", null },
        { "AdamW", "float32", false }, { "AdamW", "float64", false }, { "AdamW", "float32", null }, { "AdamW", "float64", null },
        { "Adamax", "float32", false }, { "Adamax", "float64", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void StepsEndOnPyTorchsParameters(string algorithm, string dtypeName, bool? forEach)
    {
        var dtype = dtypeName == "float32" ? DType.Float32 : DType.Float64;
        int count = Recorded["param_count"]!.GetValue<int>();
        var p = SplitMix64.Tensor(Recorded["param_seed"]!.GetValue<ulong>(), count, dtype).RequiresGrad_();
        (FloatOrTensor, FloatOrTensor) betas = (Torch.Scalar(0.9, DType.Float32), Torch.Scalar(0.999, DType.Float32));
        Optimizer optimizer = algorithm switch
        {
            "Adam" => new Adam([p], lr: 1e-3, betas: betas, @foreach: forEach),
            "AdamW" => new AdamW([p], lr: 1e-3, betas: betas, @foreach: forEach),
            // Adamax's constructor takes float betas; PyTorch's stores whatever it is given, as the group does here.
            _ => new Adamax([p], lr: 1e-3, @foreach: forEach),
        };
        if (algorithm == "Adamax") optimizer.ParamGroups[0]["betas"] = (betas.Item1.Tensor!, betas.Item2.Tensor!);

        for (int step = 0; step < Recorded["steps"]!.GetValue<int>(); step++)
        {
            p.Grad = SplitMix64.Tensor(Recorded["grad_seed"]!.GetValue<ulong>() + (ulong)step, count, dtype);
            optimizer.Step();
        }

        var expected = Recorded["params"]![algorithm]![dtypeName]!.AsArray().Select(x => x!.GetValue<string>()).ToArray();
        var actual = p.ToDoubleArray().Select(v => dtype == DType.Float32
            ? BitConverter.SingleToUInt32Bits((float)v).ToString("x8", CultureInfo.InvariantCulture)
            : BitConverter.DoubleToUInt64Bits(v).ToString("x16", CultureInfo.InvariantCulture)).ToArray();
        var wrong = Enumerable.Range(0, count).Where(i => actual[i] != expected[i]).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {count} elements differ from PyTorch, first at {wrong.FirstOrDefault()}");
    }
}
