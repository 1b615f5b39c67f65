using SharpOptim.NN;
using Xunit;
using static SharpOptim.Tests.NN.NNReference;

namespace SharpOptim.Tests.NN;

public class LayerTests
{
    [Fact]
    public void LinearShapesDtypeAndForward()
    {
        var layer = new Linear(4, 3);
        Assert.Equal([3, 4], layer.Weight.Shape);
        Assert.Equal([3], layer.Bias!.Shape);
        Assert.Equal(DType.Float32, layer.Weight.DType);
        Assert.Equal(DType.Float64, new Linear(2, 2, dtype: DType.Float64).Weight.DType);
        Assert.Null(new Linear(2, 2, bias: false).Bias);

        var x = Torch.Randn([5, 4], generator: new Generator(7));
        var y = layer.Call(x);
        Assert.Equal([5, 3], y.Shape);
        var xs = x.ToDoubleArray();
        var w = layer.Weight.ToDoubleArray();
        var b = layer.Bias.ToDoubleArray();
        var ys = y.ToDoubleArray();
        for (int i = 0; i < 5; i++)
            for (int o = 0; o < 3; o++)
            {
                double acc = b[o];
                for (int k = 0; k < 4; k++) acc += xs[i * 4 + k] * w[o * 4 + k];
                Assert.Equal(acc, ys[i * 3 + o], 1e-5);
            }
        Assert.Equal([3], layer.Call(x[0]).Shape);
        Assert.Equal(ys[..3], layer.Call(x[0]).ToDoubleArray());
        Assert.Equal([2, 5, 3], layer.Call(Torch.Randn([2, 5, 4])).Shape);
        Assert.Throws<ArgumentException>(() => layer.Call(Torch.Zeros(5, 3)));
    }

    [Fact]
    public void LinearDefaultInitIsUniformWithinOneOverSqrtFanIn()
    {
        var layer = new Linear(400, 300);
        double bound = 1 / Math.Sqrt(400);
        var w = layer.Weight.ToDoubleArray();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.All(layer.Bias!.ToDoubleArray(), v => Assert.InRange(v, -bound, bound));
        // U(-b, b): mean 0, variance b²/3 (120 000 samples).
        double mean = w.Average();
        double variance = w.Select(v => (v - mean) * (v - mean)).Average();
        Assert.InRange(mean, -0.01 * bound, 0.01 * bound);
        Assert.InRange(variance, 0.98 * bound * bound / 3, 1.02 * bound * bound / 3);
        Assert.InRange(w.Max(), 0.99 * bound, bound);
        Assert.InRange(w.Min(), -bound, -0.99 * bound);
    }

    [Fact]
    public void InitFunctions()
    {
        var t = Torch.Empty([50, 20], DType.Float64);
        Assert.Equal((20, 50), Init.CalculateFanInAndFanOut(t));
        Assert.Equal(Math.Sqrt(2.0), Init.CalculateGain("relu"));
        Assert.Equal(Math.Sqrt(2.0 / (1 + 5)), Init.CalculateGain("leaky_relu", Math.Sqrt(5)), 15);
        Init.Constant_(t, 0.5);
        Assert.All(t.ToDoubleArray(), v => Assert.Equal(0.5, v));
        Init.XavierUniform_(t, generator: new Generator(8));
        double a = Math.Sqrt(6.0 / 70);
        Assert.All(t.ToDoubleArray(), v => Assert.InRange(v, -a, a));
        Assert.Equal("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions",
            Assert.Throws<ArgumentException>(() => Init.CalculateFanInAndFanOut(Torch.Zeros(3))).Message);
        var p = new Parameter(Torch.Zeros(3, 2));
        Init.Normal_(p, 1, 0.5, new Generator(9)); // writes into a leaf that requires grad, without recording
        Assert.True(p.IsLeaf);
    }

    /// <summary>
    /// torch.nn.init's normal initialisers on a [50, 20] weight (fan_in 20, fan_out 50):
    /// kaiming_normal_ has std gain / √fan, gain √2 for leaky_relu with slope 0 and 1 for linear;
    /// xavier_normal_ has std gain · √(2 / (fan_in + fan_out)). Each must draw what
    /// <see cref="Init.Normal_"/> draws with that std from the same generator.
    /// </summary>
    [Theory]
    [InlineData("kaiming_fan_in")]
    [InlineData("kaiming_fan_out_linear")]
    [InlineData("xavier")]
    public void NormalInitialisersDrawWithPyTorchsStandardDeviation(string which)
    {
        Func<Tensor, Tensor> init = which switch
        {
            "kaiming_fan_in" => t => Init.KaimingNormal_(t, generator: new Generator(4)),
            "kaiming_fan_out_linear" => t => Init.KaimingNormal_(t, mode: "fan_out", nonlinearity: "linear", generator: new Generator(4)),
            _ => t => Init.XavierNormal_(t, gain: 0.5, generator: new Generator(4)),
        };
        double std = which switch
        {
            "kaiming_fan_in" => Math.Sqrt(2.0 / 20),
            "kaiming_fan_out_linear" => Math.Sqrt(1.0 / 50),
            _ => 0.5 * Math.Sqrt(2.0 / 70),
        };
        var weight = Torch.Empty([50, 20], DType.Float64);
        Assert.Same(weight, init(weight));
        var expected = Init.Normal_(Torch.Empty([50, 20], DType.Float64), 0, std, new Generator(4));
        Assert.Equal(expected.ToDoubleArray(), weight.ToDoubleArray(), new ToleranceComparer(1e-15));
    }

    [Fact]
    public void ActivationsAndFlatten()
    {
        var x = Torch.Tensor([-1.0, 0.0, 2.0, -3.0, 0.5, 4.0], [2, 3]);
        Assert.Equal([0.0, 0, 2, 0, 0.5, 4], new ReLU().Call(x).ToDoubleArray());
        Assert.Equal(x.ToDoubleArray().Select(Math.Tanh), new Tanh().Call(x).ToDoubleArray());
        Assert.Equal(x.ToDoubleArray().Select(v => 1 / (1 + Math.Exp(-v))), new Sigmoid().Call(x).ToDoubleArray(), new ToleranceComparer(1e-15));
        Assert.Equal([2, 12], new Flatten().Call(Torch.Zeros(2, 3, 4)).Shape);
        Assert.Equal([24], new Flatten(0).Call(Torch.Zeros(2, 3, 4)).Shape);
        Assert.Equal([6, 4], new Flatten(0, 1).Call(Torch.Zeros(2, 3, 4)).Shape);
    }

    [Fact]
    public void SequentialChildrenIndexingAndAdd()
    {
        var relu = new ReLU();
        var seq = new Sequential(new Linear(2, 3), relu);
        Assert.Equal(2, seq.Count);
        Assert.Same(relu, seq[1]);
        Assert.Same(relu, seq[-1]);
        Assert.Throws<IndexOutOfRangeException>(() => seq[2]);
        seq.Add(new Linear(3, 1));
        Assert.Equal(["0", "1", "2"], seq.NamedChildren().Select(c => c.Name));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], seq.NamedParameters().Select(p => p.Name));
        Assert.Equal([4, 1], seq.Call(Torch.Zeros(4, 2)).Shape);
        var built = new Sequential { new Linear(1, 1), new Tanh() };
        Assert.Equal(2, built.Count);
        Assert.Equal(3, built.Modules().Count());
    }

    [Fact]
    public void DropoutIsIdentityInEvalMode()
    {
        var dropout = new Dropout(0.3);
        dropout.Eval();
        var x = Torch.Randn([10, 10]);
        Assert.Same(x, dropout.Call(x));
        Assert.Same(x, new Dropout(0).Call(x)); // p = 0 keeps everything, even in training
    }

    [Fact]
    public void DropoutInTrainingZeroesAboutPAndScalesTheRest()
    {
        const double p = 0.3;
        var x = Torch.Rand([100, 100], DType.Float64, new Generator(10)).Add(1).RequiresGrad_();
        var y = Functional.Dropout(x, p, generator: new Generator(11));
        var xs = x.ToDoubleArray();
        var ys = y.ToDoubleArray();
        int zeros = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            if (ys[i] == 0) zeros++;
            else Assert.Equal(xs[i] / (1 - p), ys[i], 1e-12);
        }
        Assert.InRange(zeros / (double)xs.Length, p - 0.02, p + 0.02);
        // The gradient is the same mask, scaled.
        y.Sum().Backward();
        var gs = x.Grad!.ToDoubleArray();
        for (int i = 0; i < xs.Length; i++) Assert.Equal(ys[i] == 0 ? 0 : 1 / (1 - p), gs[i], 1e-12);

        var module = new Dropout(p);
        Assert.True(module.Training);
        Assert.Contains(0.0, module.Call(Torch.Ones(1000)).ToDoubleArray());
        Assert.All(new Dropout(1).Call(Torch.Ones(50)).ToDoubleArray(), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void DropoutProbabilityIsValidated()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5));
        Assert.StartsWith(ErrorMessage("dropout_p_too_large"), e.Message);
        Assert.Equal("p", e.ParamName);
        Assert.StartsWith(ErrorMessage("dropout_p_negative"), Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(-0.5)).Message);
        Assert.StartsWith(ErrorMessage("functional_dropout_p"),
            Assert.Throws<ArgumentOutOfRangeException>(() => Functional.Dropout(Torch.Zeros(2), 2.0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(double.NaN));
    }

    [Fact]
    public void EmbeddingLooksUpRowsForAnyIndexShape()
    {
        var emb = new Embedding(6, 3, dtype: DType.Float64);
        Assert.Equal([6, 3], emb.Weight.Shape);
        var w = emb.Weight.ToDoubleArray();
        Assert.Equal(w[6..9], emb.Call(Torch.Tensor([2L], [])).ToDoubleArray());
        Assert.Equal([2, 2, 3], emb.Call(Torch.Tensor([0L, 2, 2, 5], [2, 2])).Shape);
        Assert.Equal(ErrorMessage("embedding_float_indices"),
            Assert.Throws<ArgumentException>(() => emb.Call(Torch.Zeros(2))).Message);
        Assert.Throws<IndexOutOfRangeException>(() => emb.Call(Torch.Tensor([6L])));

        var big = new Embedding(300, 100);
        var values = big.Weight.ToDoubleArray();
        Assert.InRange(values.Average(), -0.02, 0.02);
        Assert.InRange(values.Select(v => v * v).Average(), 0.97, 1.03); // N(0, 1)
    }

    public static TheoryData<string> EmbeddingCaseIds() => CaseIds("embedding");

    /// <summary>Output and (sparse or dense) weight gradient against PyTorch's, incl. the uncoalesced sparse layout.</summary>
    [Theory]
    [MemberData(nameof(EmbeddingCaseIds))]
    public void EmbeddingMatchesPyTorch(string id)
    {
        var section = Section("embedding");
        var c = Case("embedding", id);
        var dtype = DTypeOf(c.GetProperty("dtype").GetString()!);
        var emb = new Embedding(6, 3, sparse: c.GetProperty("sparse").GetBoolean(), dtype: dtype);
        using (Torch.NoGrad()) emb.Weight.Copy_(Tensor(section.GetProperty("weight")));
        var output = emb.Call(LongTensor(section.GetProperty("indices")));
        output.Mul(Tensor(section.GetProperty("upstream"), dtype)).Sum().Backward();
        AssertClose(c.GetProperty("output"), output, $"{id} output");
        var grad = emb.Weight.Grad!;
        Assert.Equal(c.GetProperty("grad_is_sparse").GetBoolean(), grad.IsSparse);
        AssertClose(c.GetProperty("grad_dense"), grad.ToDense(), $"{id} grad");
        if (grad.IsSparse)
        {
            Assert.Equal(c.GetProperty("grad_is_coalesced").GetBoolean(), grad.IsCoalesced);
            Assert.Equal(LongTensor(c.GetProperty("grad_indices")).ToArray<long>(), grad.Indices().ToArray<long>());
            Assert.Equal(Shape(c.GetProperty("grad_indices")), grad.Indices().Shape);
            AssertClose(c.GetProperty("grad_values"), grad.Values(), $"{id} grad values");
        }
    }

    [Fact]
    public void SparseEmbeddingGradientsAccumulate()
    {
        var emb = new Embedding(5, 2, sparse: true, dtype: DType.Float64);
        emb.Call(Torch.Tensor([1L, 3])).Sum().Backward();
        emb.Call(Torch.Tensor([3L])).Sum().Backward();
        var g = emb.Weight.Grad!;
        Assert.True(g.IsSparse);
        Assert.Equal([0.0, 0, 1, 1, 0, 0, 2, 2, 0, 0], g.ToDense().ToDoubleArray());
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
