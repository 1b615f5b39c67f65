using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim.SwaUtils;
using SharpOptim.Tests.Golden;
using Xunit;
using static SharpOptim.Optim.SwaUtils.Swa;

namespace SharpOptim.Tests.Optim.SwaUtils;

/// <summary>PyTorch's <c>SWATestDNN</c>: fc1 = Linear(5, 100), bn = BatchNorm1d(100); forward bn(fc1(x)).
/// Its layers are read from the registry, so an AveragedModel's copy needs no <c>OnDeepCopy</c>.</summary>
internal sealed class SwaTestDnn : Module
{
    public SwaTestDnn(int inputFeatures, double momentum = 0.1)
    {
        RegisterModule("fc1", new Linear(inputFeatures, 100));
        RegisterModule("bn", new BatchNorm1d(100, momentum: momentum));
    }

    public Linear Fc1 => (Linear)GetModule("fc1")!;

    public BatchNorm1d Bn => (BatchNorm1d)GetModule("bn")!;

    public Tensor ComputePreactivation(Tensor x) => Fc1.Call(x);

    public override Tensor Forward(Tensor input) => Bn.Call(Fc1.Call(input));
}

/// <summary>
/// PyTorch's test/optim/test_swa_utils.py, ported: each scenario was run by PyTorch in
/// tools/golden/swa_utils.py (Linear layers in place of Conv2d, which SharpOptim does not have)
/// with its inputs recorded; here the same inputs go through our AveragedModel and UpdateBn, the
/// results must match PyTorch's, and the test's own assertions are checked on our results.
/// </summary>
public class SwaUtilsPortedTests
{
    private const string File = "swa_pytorch_tests.json.gz";

    private static JsonObject Case(string id) => SwaFixture.Case(File, id);

    private static void AssertEqualLikePyTorch(Tensor actual, JsonNode expected, string what)
        => SwaFixture.AssertEqualLikePyTorch(actual, Fixture.Numbers(expected["data"]), what);

    /// <summary>The test's Sequential(Conv2d, ReLU, MaxPool2d, BatchNorm2d(5, 0.3), Conv2d, ReLU, Linear, ReLU, Linear), Linear for Conv2d and no pooling.</summary>
    private static Sequential AveragedModelDnn() => new(
        new Linear(9, 5), new ReLU(), new BatchNorm1d(5, momentum: 0.3), new Linear(45, 2), new ReLU(), new Linear(5, 5), new ReLU(), new Linear(5, 10));

    /// <summary>Loads each recorded state into the model, updates, and compares every update with PyTorch's.</summary>
    private static AveragedModel Replay(JsonObject c, Module dnn, AveragedModel averaged)
    {
        var states = c["states"]!.AsArray();
        var updates = c["updates"]!.AsArray();
        for (int i = 0; i < states.Count; i++)
        {
            SwaFixture.Load(dnn, states[i]);
            averaged.UpdateParameters(dnn);
            SwaFixture.AssertStateDict(averaged, updates[i], $"{c["id"]} update {i + 1}");
        }
        return averaged;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AveragedModelAllDevices(bool ema)
    {
        var c = Case($"averaged_model/{(ema ? "ema" : "swa")}");
        var dnn = AveragedModelDnn();
        SwaFixture.Load(dnn, c["initial"]);
        var averaged = Replay(c, dnn, new AveragedModel(dnn, multiAvgFn: ema ? GetEmaMultiAvgFn(0.999) : GetSwaMultiAvgFn()));
        var expected = c["test_expected_params"]!.AsArray();
        var ours = averaged.Parameters().ToList();
        Assert.Equal(expected.Count, ours.Count);
        for (int i = 0; i < ours.Count; i++) AssertEqualLikePyTorch(ours[i], expected[i]!, $"averaged param {i}");
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void AveragedModelExponential(bool useMultiAvgFn, bool useBuffers)
    {
        var c = Case($"averaged_model_exponential/{(useMultiAvgFn ? "multi_avg_fn" : "avg_fn")}/{(useBuffers ? "buffers" : "params")}");
        double decay = c["decay"]!.GetValue<double>();
        var dnn = new Sequential(new Linear(9, 5), new BatchNorm1d(5, momentum: 0.3), new Linear(5, 10));
        SwaFixture.Load(dnn, c["initial"]);
        // The test's avg_fn, `decay * p_avg + (1 - decay) * p`; the int64 num_batches_tracked is
        // promoted to float first, as Python's operators do implicitly.
        AvgFn avgFn = (pAvg, p, _) => Floating(pAvg).Mul(decay).Add(Floating(p).Mul(1 - decay));
        var averaged = useMultiAvgFn
            ? new AveragedModel(dnn, multiAvgFn: GetEmaMultiAvgFn(decay), useBuffers: useBuffers)
            : new AveragedModel(dnn, avgFn: avgFn, useBuffers: useBuffers);
        Replay(c, dnn, averaged);

        var expected = c["test_expected"]!.AsArray();
        var ours = (useBuffers ? averaged.Module.Parameters().Concat<Tensor>(averaged.Module.Buffers()) : averaged.Parameters()).ToList();
        for (int i = 0; i < expected.Count; i++) AssertEqualLikePyTorch(ours[i], expected[i]!, $"averaged {i}");
        if (!useBuffers)
            foreach (var (bAvg, bSwa) in dnn.Buffers().Zip(averaged.Module.Buffers()))
                Tolerance.AssertIdentical(bSwa, bAvg, "buffer copied from the model");
    }

    private static Tensor Floating(Tensor t) => t.IsFloatingPoint ? t : t.To(Torch.DefaultDType);

    [Fact]
    public void AveragedModelStateDict()
    {
        var gen = new Generator(21);
        var dnn = new Sequential(new Linear(9, 5), new Linear(5, 10));
        var averagedDnn = new AveragedModel(dnn);
        var averagedDnn2 = new AveragedModel(dnn);
        for (int i = 0; i < 10; i++)
        {
            using (Torch.NoGrad())
                foreach (var p in dnn.Parameters()) p.Add_(Torch.Randn(p.Shape, p.DType, gen));
            averagedDnn.UpdateParameters(dnn);
        }
        averagedDnn2.LoadStateDict(averagedDnn.StateDict());
        foreach (var (pSwa, pSwa2) in averagedDnn.Parameters().Zip(averagedDnn2.Parameters()))
            Tolerance.AssertIdentical(pSwa2, pSwa, "parameter after load_state_dict");
        Assert.Equal(averagedDnn.NAveraged.Item<long>(), averagedDnn2.NAveraged.Item<long>());
    }

    private static List<List<Tensor>> Batches(JsonNode? pass)
        => pass!.AsArray().Select(b => b!.AsArray().Select(t => SwaFixture.Shaped(t, DType.Float32)).ToList()).ToList();

    private static void ResetBn(Module module)
    {
        if (module is not BatchNorm1d bn) return;
        bn.RunningMean!.Zero_();
        bn.RunningVar!.Fill_(1);
    }

    [Fact]
    public void UpdateBnDnn()
    {
        var c = Case("update_bn_dnn");
        var dnn = new SwaTestDnn(5);
        SwaFixture.Load(dnn, c["initial"]);
        dnn.Train();

        var preactivationSum = Torch.Zeros(100);
        var preactivationSquaredSum = Torch.Zeros(100);
        int totalNum = 0;
        var xPasses = c["x_passes"]!.AsArray();
        var xyPasses = c["xy_passes"]!.AsArray();
        foreach (var batch in Batches(xPasses[0]))
        {
            var x = batch[0];
            dnn.Forward(x);
            var preactivations = dnn.ComputePreactivation(x).Detach();
            totalNum += preactivations.Size(0);
            preactivationSum.Add_(preactivations.Sum(0));
            preactivationSquaredSum.Add_(preactivations.Square().Sum(0));
        }
        var preactivationMean = preactivationSum.Div(totalNum);
        var preactivationVar = preactivationSquaredSum.Div(totalNum).Sub(preactivationMean.Square());
        Tolerance.AssertClose(preactivationMean, Fixture.Numbers(c["preactivation_mean"]!["data"]), DType.Float32, "preactivation mean");
        SwaFixture.AssertStateDict(dnn, c["state_before_update_bn"], "after the forward passes");

        var results = c["results"]!.AsArray();
        void UpdateAndCheck(List<List<Tensor>> loader, JsonNode result, string what)
        {
            UpdateBn(loader, dnn);
            UpdateBnConformanceTests.AssertBatchNorm(dnn.Bn, result["bn"]!, DType.Float32, what);
            // The test's assertions, on our statistics.
            AssertEqualLikePyTorch(dnn.Bn.RunningMean!, c["preactivation_mean"]!, $"{what} running_mean vs preactivation mean");
            SwaFixture.AssertEqualLikePyTorch(dnn.Bn.RunningMean!, preactivationMean.ToDoubleArray(), $"{what} running_mean vs our preactivation mean");
            SwaFixture.AssertEqualLikePyTorch(dnn.Bn.RunningVar!, preactivationVar.ToDoubleArray(), $"{what} running_var vs our preactivation var", atol: 1e-1, rtol: 0);
        }

        UpdateAndCheck(Batches(xyPasses[0]), results[0]!, "update_bn(dl_xy)");
        dnn.Apply(ResetBn);
        UpdateAndCheck(Batches(xyPasses[1]), results[1]!, "update_bn(dl_xy) after reset");
        dnn.Apply(ResetBn);
        UpdateAndCheck(Batches(xPasses[1]), results[2]!, "update_bn(dl_x) after reset");
        Assert.Equal(c["training_after"]!.GetValue<bool>(), dnn.Training);
        Assert.True(dnn.Training);
    }

    [Fact]
    public void BnUpdateEvalMomentum()
    {
        var c = Case("bn_update_eval_momentum");
        var dnn = new SwaTestDnn(5, momentum: 0.3);
        SwaFixture.Load(dnn, c["initial"]);
        dnn.Eval();
        UpdateBn(Batches(c["x_passes"]!.AsArray()[0]), dnn);
        Assert.False(dnn.Training);
        Assert.Equal(c["training_after"]!.GetValue<bool>(), dnn.Training);
        Assert.Equal(0.3, dnn.Bn.Momentum);
        UpdateBnConformanceTests.AssertBatchNorm(dnn.Bn, c["bn"]!, DType.Float32, "bn");
    }
}
