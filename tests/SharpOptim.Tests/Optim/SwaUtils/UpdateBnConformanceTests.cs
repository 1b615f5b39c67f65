using System.Collections;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Tests.Golden;
using Xunit;
using static SharpOptim.Optim.SwaUtils.Swa;

namespace SharpOptim.Tests.Optim.SwaUtils;

/// <summary>
/// Mirror of <c>TwoBatchNorms</c> in tools/golden/swa_utils.py (same registration order, so the
/// same state-dict keys): Linear(4, 6) - BatchNorm1d(6) - ReLU - Linear(6, 5) - BatchNorm1d(5, momentum=None).
/// </summary>
internal sealed class TwoBatchNorms : Module
{
    public TwoBatchNorms(DType dtype)
    {
        RegisterModule("fc1", new Linear(4, 6, dtype: dtype));
        RegisterModule("bn1", new BatchNorm1d(6, dtype: dtype));
        RegisterModule("fc2", new Linear(6, 5, dtype: dtype));
        RegisterModule("bn2", new BatchNorm1d(5, momentum: null, dtype: dtype));
    }

    // Read from the registry, so a deep copy computes with its own layers without an OnDeepCopy.
    public Linear Fc1 => (Linear)GetModule("fc1")!;
    public Linear Fc2 => (Linear)GetModule("fc2")!;
    public BatchNorm1d Bn1 => (BatchNorm1d)GetModule("bn1")!;
    public BatchNorm1d Bn2 => (BatchNorm1d)GetModule("bn2")!;

    public override Tensor Forward(Tensor input) => Bn2.Call(Fc2.Call(Bn1.Call(Fc1.Call(input)).Relu()));
}

/// <summary>
/// UpdateBn against PyTorch's update_bn (swa_update_bn.json.gz): a model with two BatchNorm1d
/// layers (momentum 0.1 and None), fed through loaders of tensors, of (input, target) tuples and
/// of [input, target] lists, starting in training or in evaluation mode.
/// </summary>
public class UpdateBnConformanceTests
{
    private const string File = "swa_update_bn.json.gz";

    public static IEnumerable<object[]> Cases() => SwaFixture.CaseIds(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void RunningStatisticsModeAndMomentumMatchPyTorch(string id)
    {
        var c = SwaFixture.Case(File, id);
        var dtype = Fixture.DType(c["dtype"]!.GetValue<string>());
        var model = new TwoBatchNorms(dtype);
        SwaFixture.Load(model, Fixture.Load(File)["initial"]![c["dtype"]!.GetValue<string>()]);
        model.Train(c["mode_before"]!.GetValue<string>() == "train");

        UpdateBn(Loader(c["loader"]!.GetValue<string>(), dtype), model);

        Assert.Equal(c["training_after"]!.GetValue<bool>(), model.Training);
        Assert.All(model.Modules(), m => Assert.Equal(model.Training, m.Training));
        AssertBatchNorm(model.Bn1, c["bn1"]!, dtype, $"{id} bn1");
        AssertBatchNorm(model.Bn2, c["bn2"]!, dtype, $"{id} bn2");
        SwaFixture.AssertStateDict(model, c["state_dict"], id);
        model.Eval();
        var evalX = SwaFixture.Shaped(Fixture.Load(File)["data"]!["eval_x"], dtype);
        using (Torch.NoGrad())
            SwaFixture.AssertOutput(model.Forward(evalX), c["eval_output"], $"{id} eval output");
    }

    private static IEnumerable Loader(string kind, DType dtype)
    {
        var data = Fixture.Load(File)["data"]!;
        var xs = SwaFixture.Shaped(data["xs"], dtype);
        var ys = SwaFixture.Shaped(data["ys"], DType.Int64);
        var batches = Enumerable.Range(0, xs.Size(0));
        return kind switch
        {
            "tensors" => batches.Select(i => xs[i]).ToList(),
            "tuples" => batches.Select(i => (xs[i], ys[i])).ToList(),
            "lists" => batches.Select(i => new List<Tensor> { xs[i], ys[i] }).ToList(),
            _ => throw new ArgumentException(kind),
        };
    }

    internal static void AssertBatchNorm(BatchNorm1d bn, JsonNode expected, DType dtype, string what)
    {
        Tolerance.AssertClose(bn.RunningMean!, Fixture.Numbers(expected["running_mean"]!["data"]), dtype, $"{what} running_mean");
        Tolerance.AssertClose(bn.RunningVar!, Fixture.Numbers(expected["running_var"]!["data"]), dtype, $"{what} running_var");
        Assert.Equal(expected["num_batches_tracked"]!.GetValue<long>(), bn.NumBatchesTracked!.Item<long>());
        Assert.Equal(expected["momentum"] is null ? null : expected["momentum"]!.GetValue<double>(), bn.Momentum);
        Assert.Equal(expected["training"]!.GetValue<bool>(), bn.Training);
    }

    [Fact]
    public void ABatchThatIsNotATensorFailsClearlyAndRestoresMomentumAndMode()
    {
        var model = new TwoBatchNorms(DType.Float32);
        model.Eval();
        var loader = new object[] { Torch.Zeros(3, 4), "not a batch" };
        var error = Assert.Throws<ArgumentException>(() => UpdateBn(loader, model));
        Assert.Contains("update_bn expects each batch to be a tensor, or a list or tuple whose first item is the input tensor; got a String", error.Message);
        Assert.False(model.Training);
        Assert.Equal(0.1, model.Bn1.Momentum);
        Assert.Null(model.Bn2.Momentum);
        Assert.Equal(1, model.Bn1.NumBatchesTracked!.Item<long>()); // the first batch went through
    }

    [Fact]
    public void ArraysAndReferenceTuplesAreBatchesToo()
    {
        var x = Torch.Randn([6, 4], DType.Float64, new Generator(3));
        var viaTensor = new TwoBatchNorms(DType.Float64);
        var viaArray = (TwoBatchNorms)viaTensor.DeepCopy();
        var viaTuple = (TwoBatchNorms)viaTensor.DeepCopy();
        UpdateBn(new[] { x }, viaTensor);
        UpdateBn(new[] { new[] { x, x } }, viaArray);
        UpdateBn(new[] { Tuple.Create(x, 1) }, viaTuple);
        foreach (var other in new[] { viaArray, viaTuple })
            foreach (var (key, value) in viaTensor.StateDict()) Tolerance.AssertIdentical(other.StateDict()[key], value, key);
    }
}
