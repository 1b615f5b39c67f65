using SharpOptim.NN;
using Xunit;
using static SharpOptim.Tests.NN.NNReference;

namespace SharpOptim.Tests.NN;

public class StateDictTests
{
    private static double[][] Snapshot(Module m) => m.StateDict().Values.Select(t => t.ToDoubleArray()).ToArray();

    /// <summary>tools/golden/nn.py's error snippets use Sequential(Linear(2, 3), BatchNorm1d(3)).</summary>
    private static Sequential Seq() => new(new Linear(2, 3), new BatchNorm1d(3));

    [Fact]
    public void ValuesAreDetachedAndShareStorage()
    {
        var net = new Net();
        var sd = net.StateDict();
        var w = sd["features.0.weight"];
        Assert.False(w.RequiresGrad);
        Assert.True(w.IsLeaf);
        Assert.IsNotType<Parameter>(w);
        using (Torch.NoGrad()) net.Features[0].Parameters().First().Fill_(0.5);
        Assert.All(w.ToDoubleArray(), v => Assert.Equal(0.5, v)); // follows the module, as PyTorch's
        Assert.Equal(DType.Int64, sd["features.1.num_batches_tracked"].DType);
        Assert.DoesNotContain("scratch", sd.Keys); // non-persistent

        var vars = net.StateDict(keepVars: true);
        Assert.Same(net.Head.Weight, vars["head.weight"]);
        Assert.Same(net.Head.Weight, vars["head2.weight"]);
        Assert.Equal("p.scale", net.StateDict(prefix: "p.").Keys.First());
    }

    [Fact]
    public void RoundTripIntoAFreshModel()
    {
        var net = new Net();
        net.Features.Call(Torch.Randn([6, 4], generator: new Generator(2))); // move the BatchNorm statistics
        using (Torch.NoGrad()) net.Scale.Fill_(3);
        var other = new Net();
        Assert.NotEqual(Snapshot(net)[1], Snapshot(other)[1]);

        var result = other.LoadStateDict(net.StateDict());
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Equal(Snapshot(net), Snapshot(other));
        Assert.Equal(1, other.Features[1].Buffers().Last().Item<long>());

        net.Eval();
        other.Eval();
        var x = Torch.Randn([5, 4], generator: new Generator(3));
        Assert.Equal(net.Call(x).ToDoubleArray(), other.Call(x).ToDoubleArray());

        // Copied, not aliased: the parameter objects of `other` are unchanged and own their data.
        var before = other.Head.Weight;
        using (Torch.NoGrad()) net.Head.Weight.Fill_(7);
        Assert.Same(before, other.Head.Weight);
        Assert.NotEqual(7.0, other.Head.Weight.ToDoubleArray()[0]);
        Assert.True(other.Head.Weight.RequiresGrad && other.Head.Weight.IsLeaf);
    }

    [Fact]
    public void LoadingCastsToEachTensorsDtypeWithoutRecording()
    {
        var f64 = new Linear(3, 2, dtype: DType.Float64);
        var f32 = new Linear(3, 2);
        f32.LoadStateDict(f64.StateDict());
        Assert.Equal(DType.Float32, f32.Weight.DType);
        Assert.Equal(f64.Weight.ToDoubleArray().Select(v => (double)(float)v), f32.Weight.ToDoubleArray());
        Assert.True(f32.Weight.IsLeaf);
        Assert.Null(f32.Weight.GradFn);
    }

    [Fact]
    public void OneElementVectorLoadsIntoZeroDimTensor()
    {
        var seq = Seq();
        var sd = seq.StateDict();
        sd["1.num_batches_tracked"] = Torch.Tensor([5L]);
        seq.LoadStateDict(sd);
        Assert.Equal(5, ((BatchNorm1d)seq[1]).NumBatchesTracked!.Item<long>());
    }

    public static TheoryData<string> FailingCases() => new()
    {
        "load_missing_key", "load_unexpected_keys", "load_size_mismatch", "load_size_mismatch_not_strict",
        "load_all_problems", "load_missing_num_batches_tracked",
    };

    /// <summary>Each bad state dict fails with PyTorch's message and changes nothing, even where PyTorch would have copied the good entries.</summary>
    [Theory]
    [MemberData(nameof(FailingCases))]
    public void BadStateDictFailsWithPyTorchsMessageAndChangesNothing(string name)
    {
        var target = Seq();
        var before = Snapshot(target);
        var sd = Seq().StateDict(); // different values, so a partial load would show
        bool strict = true;
        switch (name)
        {
            case "load_missing_key": sd.Remove("0.bias"); break;
            case "load_unexpected_keys":
                sd["0.extra"] = Torch.Zeros(1);
                sd["5.weight"] = Torch.Zeros(1);
                sd["top"] = Torch.Zeros(1);
                break;
            case "load_size_mismatch": sd["0.weight"] = Torch.Zeros(4, 2); break;
            case "load_size_mismatch_not_strict": sd["0.weight"] = Torch.Zeros(4, 2); strict = false; break;
            case "load_all_problems":
                sd.Remove("1.running_var");
                sd["1.foo"] = Torch.Zeros(1);
                sd["0.weight"] = Torch.Zeros(3);
                break;
            case "load_missing_num_batches_tracked": sd.Remove("1.num_batches_tracked"); break;
        }
        var e = Assert.Throws<ArgumentException>(() => target.LoadStateDict(sd, strict));
        Assert.Equal(ErrorMessage(name), e.Message);
        Assert.Equal(before, Snapshot(target));
    }

    [Fact]
    public void NonStrictLoadReportsAndLoadsTheRest()
    {
        var target = Seq();
        var source = Seq();
        var sd = source.StateDict();
        sd.Remove("0.bias");
        sd["x"] = Torch.Zeros(1);
        var biasBefore = ((Linear)target[0]).Bias!.ToDoubleArray();
        var result = target.LoadStateDict(sd, strict: false);
        var expected = Error("load_not_strict_result").GetProperty("result").EnumerateArray().Select(Strings).ToArray();
        Assert.Equal(expected[0], result.MissingKeys);
        Assert.Equal(expected[1], result.UnexpectedKeys);
        Assert.Equal(((Linear)source[0]).Weight.ToDoubleArray(), ((Linear)target[0]).Weight.ToDoubleArray());
        Assert.Equal(biasBefore, ((Linear)target[0]).Bias!.ToDoubleArray());
    }
}
