using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim.SwaUtils;
using SharpOptim.Tests.Golden;
using Xunit;
using static SharpOptim.Optim.SwaUtils.Swa;

namespace SharpOptim.Tests.Optim.SwaUtils;

/// <summary>
/// AveragedModel against PyTorch (tools/golden/swa_utils.py → swa_averaged_model.json.gz): an
/// MLP with a BatchNorm1d trained by SGD in PyTorch; its state after each step is loaded into our
/// model, <c>UpdateParameters</c> runs, and the averaged model's whole state dict (n_averaged,
/// parameters, buffers) must match PyTorch's after every update, for every averaging function,
/// with and without <c>useBuffers</c>, in float32 and float64.
/// </summary>
public class AveragedModelConformanceTests
{
    private const string File = "swa_averaged_model.json.gz";

    public static IEnumerable<object[]> Cases() => SwaFixture.CaseIds(File);

    /// <summary>The averaging arguments of each recorded case, as a C# user writes them.</summary>
    internal static (AvgFn? Avg, MultiAvgFn? Multi) Functions(string name) => name switch
    {
        "swa_default" => (null, null),
        "swa_multi_avg_fn" => (null, GetSwaMultiAvgFn()),
        "swa_avg_fn" => (GetSwaAvgFn(), null),
        "ema_multi_avg_fn_0.9" => (null, GetEmaMultiAvgFn(0.9)),
        "ema_multi_avg_fn_default" => (null, GetEmaMultiAvgFn()),
        "ema_avg_fn_0.9" => (GetEmaAvgFn(0.9), null),
        // Python's `0.1 * a + 0.9 * p`; an int64 buffer is promoted to the default dtype first,
        // which PyTorch's operators do implicitly and this tensor layer leaves to the caller.
        "custom_avg_fn" => ((a, p, _) => Floating(a).Mul(0.1).Add(Floating(p).Mul(0.9)), null),
        "custom_multi_mul_add" => (null, (a, p, _) =>
        {
            Torch.ForEach.Mul_(a, 0.75);
            Torch.ForEach.Add_(a, p, alpha: 0.25);
        }),
        "custom_multi_sub_div_add" => (null, (a, p, n) =>
        {
            var diffs = Torch.ForEach.Sub(p, a);
            Torch.ForEach.Div_(diffs, n.Value + 1.0);
            Torch.ForEach.Add_(a, diffs);
        }),
        _ => throw new ArgumentException($"unknown averaging case {name}"),
    };

    private static Tensor Floating(Tensor t) => t.IsFloatingPoint ? t : t.To(Torch.DefaultDType);

    private static JsonObject Run(DType dtype)
        => Fixture.Load(File)["runs"]!.AsArray().Single(r => Fixture.DType(r!["dtype"]!.GetValue<string>()) == dtype)!.AsObject();

    private static Tensor[] TrainingBatches(DType dtype)
    {
        var xs = SwaFixture.Shaped(Fixture.Load(File)["data"]!["xs"], dtype);
        return Enumerable.Range(0, xs.Size(0)).Select(i => xs[i]).ToArray();
    }

    private static (Sequential Model, AveragedModel Swa, JsonObject Case, DType DType) Start(string id)
    {
        var c = SwaFixture.Case(File, id);
        var dtype = Fixture.DType(c["dtype"]!.GetValue<string>());
        var model = SwaFixture.Mlp(dtype);
        SwaFixture.Load(model, Run(dtype)["initial"]);
        var (avg, multi) = Functions(c["avg"]!.GetValue<string>());
        return (model, new AveragedModel(model, avgFn: avg, multiAvgFn: multi, useBuffers: c["use_buffers"]!.GetValue<bool>()), c, dtype);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryUpdateMatchesPyTorch(string id)
    {
        var (model, swa, c, dtype) = Start(id);
        var states = Run(dtype)["states"]!.AsArray();
        var updates = c["updates"]!.AsArray();
        for (int k = 0; k < updates.Count; k++)
        {
            SwaFixture.Load(model, states[k]);
            swa.UpdateParameters(model);
            SwaFixture.AssertStateDict(swa, updates[k], $"{id} update {k + 1}");
        }
        Assert.Equal(c["repr"]!.GetValue<string>(), swa.ToString());

        swa.Eval();
        var evalX = SwaFixture.Shaped(Fixture.Load(File)["data"]!["eval_x"], dtype);
        using (Torch.NoGrad())
            SwaFixture.AssertOutput(swa.Forward(evalX), c["eval_output"], $"{id} eval output");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void UpdateBnAfterAveragingMatchesPyTorch(string id)
    {
        var (model, swa, c, dtype) = Start(id);
        if (c["after_update_bn"] is not JsonObject after) return; // recorded for useBuffers: false only
        var states = Run(dtype)["states"]!.AsArray();
        foreach (var state in states)
        {
            SwaFixture.Load(model, state);
            swa.UpdateParameters(model);
        }
        swa.Eval();
        UpdateBn(TrainingBatches(dtype), swa);
        SwaFixture.AssertStateDict(swa, after["state_dict"], $"{id} after UpdateBn");
        Assert.Equal(after["training"]!.GetValue<bool>(), swa.Training);
        var evalX = SwaFixture.Shaped(Fixture.Load(File)["data"]!["eval_x"], dtype);
        swa.Eval();
        using (Torch.NoGrad())
            SwaFixture.AssertOutput(swa.Forward(evalX), after["eval_output"], $"{id} eval output after UpdateBn");
    }

    [Theory]
    [InlineData("swa_default/params/float32")]
    [InlineData("swa_default/buffers/float64")]
    [InlineData("ema_multi_avg_fn_0.9/buffers/float32")]
    [InlineData("swa_multi_avg_fn/params/float64")]
    public void LoadingPyTorchsStateDictMidRunContinuesAsPyTorch(string id)
    {
        var c = SwaFixture.Case(File, id);
        var dtype = Fixture.DType(c["dtype"]!.GetValue<string>());
        var states = Run(dtype)["states"]!.AsArray();
        var updates = c["updates"]!.AsArray();
        const int saved = 4;
        // A fresh average of an unrelated model, then PyTorch's dict after `saved` updates.
        var model = SwaFixture.Mlp(dtype);
        var (avg, multi) = Functions(c["avg"]!.GetValue<string>());
        var swa = new AveragedModel(model, avgFn: avg, multiAvgFn: multi, useBuffers: c["use_buffers"]!.GetValue<bool>());
        var keys = swa.LoadStateDict(SwaFixture.StateDict(updates[saved - 1]));
        Assert.Empty(keys.MissingKeys);
        Assert.Empty(keys.UnexpectedKeys);
        Assert.Equal(saved, swa.NAveraged.Item<long>());
        for (int k = saved; k < updates.Count; k++)
        {
            SwaFixture.Load(model, states[k]);
            swa.UpdateParameters(model);
            SwaFixture.AssertStateDict(swa, updates[k], $"{id} resumed update {k + 1}");
        }
    }

    [Fact]
    public void TheAverageIsACopyThatTheModelDoesNotMove()
    {
        Torch.ManualSeed(11);
        var model = SwaFixture.Mlp(DType.Float64);
        var swa = new AveragedModel(model);
        var before = swa.Module.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        using (Torch.NoGrad())
            foreach (var p in model.Parameters()) p.Add_(1.0);
        foreach (var (key, value) in swa.Module.StateDict()) Tolerance.AssertIdentical(value, before[key], key);
        Assert.Equal(0, swa.NAveraged.Item<long>());
        Assert.Equal(DType.Int64, swa.NAveraged.DType);
        Assert.Equal(["n_averaged", .. model.StateDict().Keys.Select(k => "module." + k)], swa.StateDict().Keys);
        Assert.True(swa.Parameters().All(p => p.RequiresGrad));
    }

    [Fact]
    public void DeepCopyOfAnAveragedModelIsIndependent()
    {
        Torch.ManualSeed(12);
        var model = SwaFixture.Mlp(DType.Float32);
        var swa = new AveragedModel(model, multiAvgFn: GetEmaMultiAvgFn(0.5));
        swa.UpdateParameters(model);
        var copy = (AveragedModel)swa.DeepCopy();
        using (Torch.NoGrad())
            foreach (var p in model.Parameters()) p.Add_(2.0);
        copy.UpdateParameters(model);
        Assert.Equal(1, swa.NAveraged.Item<long>());
        Assert.Equal(2, copy.NAveraged.Item<long>());
        Assert.NotEqual(swa.Module.StateDict()["0.bias"].ToDoubleArray(), copy.Module.StateDict()["0.bias"].ToDoubleArray());
        Assert.Same(swa.MultiAvgFn, copy.MultiAvgFn);
    }
}
