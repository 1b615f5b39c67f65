using SharpOptim.NN;
using Xunit;

namespace SharpOptim.Tests.Tensors;

/// <summary>
/// The fused nodes of the training path (linear, ReLU's backward, log-softmax over the last
/// dimension, nll_loss) against the general ops they stand in for: the same values and the same
/// gradients, bit for bit, in float32 and float64.
/// </summary>
public class FusedOpTests
{
    private static Tensor Leaf(DType dtype, int seed, params int[] shape)
        => Torch.Randn(shape, dtype, new Generator(seed)).RequiresGrad_();

    private static void AssertSameBits(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.ToDoubleArray(), actual.ToDoubleArray());
    }

    [Theory]
    [InlineData(DType.Float32, 32, 64, 128)]
    [InlineData(DType.Float32, 7, 5, 3)]
    [InlineData(DType.Float64, 9, 17, 10)]
    public void LinearMatchesProductThenBroadcastAdd(DType dtype, int n, int inFeatures, int outFeatures)
    {
        var x = Leaf(dtype, 1, n, inFeatures);
        var w = Leaf(dtype, 2, outFeatures, inFeatures);
        var b = Leaf(dtype, 3, outFeatures);
        var y = Functional.Linear(x, w, b);
        Assert.Equal("AddmmBackward0", y.GradFn!.Name);
        y.Square().Sum().Backward();
        var (gx, gw, gb) = (x.Grad!, w.Grad!, b.Grad!);
        x.Grad = w.Grad = b.Grad = null;

        // A (1, out) bias is not fused: the product node then the broadcast add.
        var bRow = b.Detach().Reshape(1, outFeatures).RequiresGrad_();
        var reference = Functional.Linear(x, w, bRow);
        Assert.Equal("AddBackward0", reference.GradFn!.Name);
        AssertSameBits(reference, y);
        reference.Square().Sum().Backward();
        AssertSameBits(x.Grad!, gx);
        AssertSameBits(w.Grad!, gw);
        AssertSameBits(bRow.Grad!.Reshape(outFeatures), gb);
    }

    [Fact]
    public void LinearWithoutBiasIsAnMmNode()
    {
        var x = Leaf(DType.Float32, 4, 3, 2);
        var w = Leaf(DType.Float32, 5, 4, 2);
        Assert.Equal("MmBackward0", Functional.Linear(x, w).GradFn!.Name);
    }

    [Fact]
    public void LinearGradientsAccumulateIntoTheirOwnTensors()
    {
        // The first gradient is taken over without a copy; a second backward must add into it
        // without touching anything else, and the same tensor as input and weight gets both parts.
        var w = Leaf(DType.Float64, 6, 3, 3);
        var b = Leaf(DType.Float64, 7, 3);
        var y = Functional.Linear(w, w, b);
        y.Sum().Backward();
        var once = w.Grad!.ToDoubleArray();
        var biasOnce = b.Grad!.ToDoubleArray();
        Functional.Linear(w, w, b).Sum().Backward();
        Assert.Equal(once.Select(v => 2 * v), w.Grad!.ToDoubleArray());
        Assert.Equal(biasOnce.Select(v => 2 * v), b.Grad!.ToDoubleArray());
        Assert.NotSame(w.Grad, b.Grad);
    }

    [Fact]
    public void PassedThroughGradientsAreStillCopied()
    {
        // An add hands the same gradient tensor to both inputs (and the caller holds it too): each
        // leaf must get its own copy, not a shared tensor that a later in-place add would change for all.
        var a = Leaf(DType.Float32, 15, 2, 3);
        var b = Leaf(DType.Float32, 16, 2, 3);
        var upstream = Torch.Randn([2, 3], DType.Float32, new Generator(17));
        a.Add(b).Backward(upstream);
        Assert.NotSame(a.Grad, b.Grad);
        Assert.NotSame(upstream, a.Grad);
        a.Grad!.Add_(upstream);
        Assert.Equal(upstream.ToArray<float>(), b.Grad!.ToArray<float>());
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void ReluBackwardMatchesWhere(DType dtype)
    {
        var x = Leaf(dtype, 8, 5, 13);
        var upstream = Torch.Randn([5, 13], dtype, new Generator(9));
        var y = x.Relu();
        y.Backward(upstream);
        var expected = Torch.Where(y.Detach().Gt(0), upstream, Torch.ZerosLike(upstream));
        AssertSameBits(expected, x.Grad!);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void LogSoftmaxOverTheLastDimMatchesTheGeneralLoop(DType dtype)
    {
        // Along dim 0 of the transpose the general (strided) loop runs; along dim 1, the row kernel.
        var x = Leaf(dtype, 10, 6, 11);
        var xt = x.Detach().T().RequiresGrad_();
        var upstream = Torch.Randn([6, 11], dtype, new Generator(12));
        var rows = x.LogSoftmax(1);
        var columns = xt.LogSoftmax(0);
        AssertSameBits(columns.T(), rows);
        // The backward is the general loop's formula; its sum runs along a row here (down a column
        // in the transpose, which PyTorch's sum orders differently), so it is checked on the rows.
        rows.Backward(upstream);
        AssertSameBits(upstream.Sub(rows.Detach().Exp().Mul(upstream.Sum(1, keepdim: true))), x.Grad!);
    }

    [Theory]
    [InlineData(DType.Float32, "mean")]
    [InlineData(DType.Float32, "sum")]
    [InlineData(DType.Float64, "mean")]
    public void CrossEntropyMatchesGatherNegSum(DType dtype, string reduction)
    {
        var logits = Leaf(dtype, 13, 9, 10);
        var target = Torch.Tensor(new long[] { 3, 0, 9, 9, 1, 4, 7, 2, 5 });
        var loss = Functional.CrossEntropy(logits, target, reduction);
        Assert.Equal("NllLossBackward0", loss.GradFn!.Name);
        loss.Backward(Torch.Scalar(0.75, dtype));
        var fused = logits.Grad!;
        logits.Grad = null;

        var picked = logits.LogSoftmax(1).Gather(1, target.Reshape(9, 1)).Reshape(9).Neg().Sum();
        var reference = reduction == "mean" ? picked.Div(9) : picked;
        AssertSameBits(reference, loss);
        reference.Backward(Torch.Scalar(0.75, dtype));
        AssertSameBits(logits.Grad!, fused);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void RowWiseExtremesMatchTheGeneralLoop(DType dtype)
    {
        // Ties and a NaN included; along dim 0 of the transpose the general loop runs.
        var x = Torch.Tensor(new double[] { 1, 5, 5, double.NaN, 2, -1, 0, 3, 3, 4, 4, -2 }, [4, 3]).To(dtype);
        var xt = x.T();
        foreach (bool max in new[] { true, false })
        {
            var (rowValues, rowIndices) = max ? x.Max(1) : x.Min(1);
            var (colValues, colIndices) = max ? xt.Max(0) : xt.Min(0);
            Assert.Equal(colIndices.ToArray<long>(), rowIndices.ToArray<long>());
            AssertSameBits(colValues, rowValues);
        }
    }

    [Fact]
    public void IndexSelectCopiesTheNamedRows()
    {
        var x = Torch.Randn([4, 3], DType.Float32, new Generator(14));
        var labels = Torch.Tensor(new long[] { 7, 8, 9, 10 });
        long[] index = [2, 0, 2, 3];
        var rows = x.IndexSelect(0, Torch.Tensor(index));
        var picked = labels.IndexSelect(0, Torch.Tensor(index));
        for (int j = 0; j < index.Length; j++)
        {
            Assert.Equal(x.Narrow(0, (int)index[j], 1).ToArray<float>(), rows.Narrow(0, j, 1).ToArray<float>());
            Assert.Equal(labels.ToArray<long>()[index[j]], picked.ToArray<long>()[j]);
        }
    }
}
