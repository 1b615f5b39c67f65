using System.Text.Json;
using SharpOptim.NN;
using Xunit;
using static SharpOptim.Tests.NN.NNReference;

namespace SharpOptim.Tests.NN;

public class LossTests
{
    public static TheoryData<string> LossesCaseIds() => CaseIds("losses");

    private static (string Input, string Target, string Upstream) InputNames(string loss) => loss switch
    {
        "mse" => ("mse_input", "mse_target", "mse_upstream"),
        "cross_entropy" => ("ce_logits", "ce_target", "ce_upstream"),
        "cross_entropy_ignore_index" => ("ce_logits", "ce_target_ignored", "ce_upstream"),
        "cross_entropy_all_ignored" => ("ce_logits", "ce_target_all_ignored", "ce_upstream"),
        "cross_entropy_probabilities" => ("ce_logits", "ce_probs", "ce_upstream"),
        "bce_with_logits" => ("bce_logits", "bce_target", "bce_upstream"),
        _ => throw new ArgumentException(loss),
    };

    /// <summary>Loss values and gradients (input and, where floating, target) against PyTorch's, through the loss modules.</summary>
    [Theory]
    [MemberData(nameof(LossesCaseIds))]
    public void MatchesPyTorch(string id)
    {
        var section = Section("losses");
        var c = Case("losses", id);
        var dtype = DTypeOf(c.GetProperty("dtype").GetString()!);
        var reduction = c.GetProperty("reduction").GetString()!;
        var name = c.GetProperty("loss").GetString()!;
        var inputs = section.GetProperty("inputs");
        var (inName, targetName, upName) = InputNames(name);
        var input = Tensor(inputs.GetProperty(inName), dtype).RequiresGrad_();
        var targetJson = inputs.GetProperty(targetName);
        bool integerTarget = targetJson.GetProperty("data").EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out _) && !e.GetRawText().Contains('.'));
        var target = integerTarget ? LongTensor(targetJson) : Tensor(targetJson, dtype).RequiresGrad_();

        Loss loss = name switch
        {
            "mse" => new MSELoss(reduction),
            "bce_with_logits" => new BCEWithLogitsLoss(reduction),
            _ => new CrossEntropyLoss(reduction),
        };
        var output = loss.Call(input, target);
        Assert.Equal(dtype, output.DType);
        if (reduction == "none") output.Mul(Tensor(inputs.GetProperty(upName), dtype)).Sum().Backward();
        else output.Backward();

        AssertClose(c.GetProperty("output"), output, $"{id} output");
        var grads = c.GetProperty("grads").EnumerateArray().ToArray();
        AssertClose(grads[0], input.Grad!, $"{id} input grad");
        if (grads[1].ValueKind == JsonValueKind.Null) Assert.True(integerTarget);
        else AssertClose(grads[1], target.Grad!, $"{id} target grad");
    }

    [Fact]
    public void ValuesFollowTheDefinitions()
    {
        var x = Torch.Tensor([1.0, -2.0, 0.5, 3.0], [2, 2]);
        var y = Torch.Tensor([0.0, 1.0, 1.0, 1.0], [2, 2]);
        Assert.Equal((1 + 9 + 0.25 + 4) / 4.0, Functional.MseLoss(x, y).Item(), 1e-13);
        Assert.Equal(1 + 9 + 0.25 + 4, Functional.MseLoss(x, y, "sum").Item(), 1e-13);

        // -log softmax(x)[target], averaged
        var logits = Torch.Tensor([1.0, 2.0, 3.0, 0.0, 0.0, 0.0], [2, 3]);
        double lse0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)), lse1 = Math.Log(3);
        double expected = ((lse0 - 3) + (lse1 - 0)) / 2;
        Assert.Equal(expected, Functional.CrossEntropy(logits, Torch.Tensor([2L, 1])).Item(), 1e-13);

        // BCE with logits = -(y log σ(x) + (1 - y) log(1 - σ(x)))
        double bce = 0;
        var xs = x.ToDoubleArray();
        var ys = y.ToDoubleArray();
        for (int i = 0; i < 4; i++)
        {
            double s = 1 / (1 + Math.Exp(-xs[i]));
            bce += -(ys[i] * Math.Log(s) + (1 - ys[i]) * Math.Log(1 - s));
        }
        Assert.Equal(bce / 4, Functional.BinaryCrossEntropyWithLogits(x, y).Item(), 1e-13);
    }

    [Fact]
    public void BCEWithLogitsIsStableForLargeLogits()
    {
        var x = Torch.Tensor([1000.0, -1000.0], requiresGrad: true);
        var y = Torch.Tensor([0.0, 1.0]);
        var l = Functional.BinaryCrossEntropyWithLogits(x, y, "none");
        Assert.Equal([1000.0, 1000.0], l.ToDoubleArray());
        l.Sum().Backward();
        Assert.Equal([1.0, -1.0], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void BCEWithLogitsGradientAtZeroIsSigmoidMinusTarget()
    {
        var x = Torch.Tensor([0.0, 0.0], requiresGrad: true);
        var y = Torch.Tensor([0.25, 1.0]);
        Functional.BinaryCrossEntropyWithLogits(x, y, "sum").Backward();
        Assert.Equal([0.25, -0.5], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void ErrorsArePyTorchs()
    {
        Assert.Equal(ErrorMessage("reduction_invalid"),
            Assert.Throws<ArgumentException>(() => Functional.MseLoss(Torch.Zeros(2), Torch.Zeros(2), "avg")).Message);
        Assert.Equal(ErrorMessage("reduction_invalid"), Assert.Throws<ArgumentException>(() => new MSELoss("avg")).Message);
        Assert.Equal(ErrorMessage("cross_entropy_target_out_of_bounds"),
            Assert.Throws<IndexOutOfRangeException>(() => Functional.CrossEntropy(Torch.Zeros(2, 3), Torch.Tensor([0L, 7]))).Message);
        Assert.Equal(ErrorMessage("cross_entropy_batch_mismatch"),
            Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Torch.Zeros(3, 4), Torch.Tensor([0L, 1]))).Message);
        Assert.Equal(ErrorMessage("bce_with_logits_shape"),
            Assert.Throws<ArgumentException>(() => Functional.BinaryCrossEntropyWithLogits(Torch.Zeros(2, 3), Torch.Zeros(3, 2))).Message);
        Assert.Throws<NotSupportedException>(() => new MSELoss().Call(Torch.Zeros(2)));
    }

    [Fact]
    public void ReprsArePyTorchs()
    {
        var reprs = Section("modules").GetProperty("reprs");
        Assert.Equal(reprs.GetProperty("MSELoss()").GetString(), new MSELoss().ToString());
        Assert.Equal(reprs.GetProperty("CrossEntropyLoss()").GetString(), new CrossEntropyLoss().ToString());
        Assert.Equal(reprs.GetProperty("BCEWithLogitsLoss()").GetString(), new BCEWithLogitsLoss().ToString());
    }
}
