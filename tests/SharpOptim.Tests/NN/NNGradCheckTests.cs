using SharpOptim.NN;
using Xunit;
using static SharpOptim.Tests.GradCheck;

namespace SharpOptim.Tests.NN;

/// <summary>Finite-difference checks of every NN module and loss, with respect to inputs and parameters (float64).</summary>
public class NNGradCheckTests
{
    [Fact]
    public void LinearWithAndWithoutBias()
    {
        var layer = new Linear(4, 3, dtype: DType.Float64);
        var x = Input(1, 5, 4);
        Check(() => layer.Call(x), x, layer.Weight, layer.Bias!);
        var noBias = new Linear(4, 2, bias: false, dtype: DType.Float64);
        Check(() => noBias.Call(x), x, noBias.Weight);
    }

    [Fact]
    public void LinearOneAndThreeDimensionalInput()
    {
        var layer = new Linear(4, 3, dtype: DType.Float64);
        var v = Input(2, 4);
        Check(() => layer.Call(v), v, layer.Weight, layer.Bias!);
        var batch = Input(3, 2, 5, 4);
        Check(() => layer.Call(batch), batch, layer.Weight, layer.Bias!);
    }

    [Fact]
    public void BatchNorm1dTrainingMode()
    {
        var bn = new BatchNorm1d(3, dtype: DType.Float64);
        using (Torch.NoGrad())
        {
            bn.Weight!.Copy_(Torch.Tensor([0.5, -1.5, 2.0]));
            bn.Bias!.Copy_(Torch.Tensor([0.1, 0.2, -0.3]));
        }
        var x = Input(4, 6, 3);
        // Gradients flow through the batch mean and variance too.
        Check(() => bn.Call(x), x, bn.Weight!, bn.Bias!);
        Check(() => bn.Call(x).Square().Sum(1), x, bn.Weight!, bn.Bias!);
    }

    [Fact]
    public void BatchNorm1dWithoutAffineOrTracking()
    {
        var plain = new BatchNorm1d(2, affine: false, trackRunningStats: false, dtype: DType.Float64);
        var x = Input(5, 4, 2);
        Check(() => plain.Call(x), x);
        plain.Eval(); // no running stats: evaluation also uses the batch's
        Check(() => plain.Call(x), x);
    }

    [Fact]
    public void BatchNorm1dEvalMode()
    {
        var bn = new BatchNorm1d(3, dtype: DType.Float64);
        using (Torch.NoGrad())
        {
            bn.RunningMean!.Copy_(Torch.Tensor([0.5, -1.0, 2.0]));
            bn.RunningVar!.Copy_(Torch.Tensor([0.25, 4.0, 1.5]));
        }
        bn.Eval();
        var x = Input(6, 4, 3);
        Check(() => bn.Call(x), x, bn.Weight!, bn.Bias!);
    }

    [Fact]
    public void EmbeddingDenseAndSparse()
    {
        var idx = Torch.Tensor([3L, 0, 3, 1, 4, 0], [2, 3]);
        var dense = new Embedding(5, 2, dtype: DType.Float64);
        Check(() => dense.Call(idx), dense.Weight);
        var sparse = new Embedding(5, 2, sparse: true, dtype: DType.Float64);
        Check(() => sparse.Call(idx), sparse.Weight); // the sparse grad is densified by the checker
        var scalarIndex = Torch.Tensor([2L], []);
        Check(() => sparse.Call(scalarIndex), sparse.Weight);
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("sum")]
    [InlineData("none")]
    public void MSELoss(string reduction)
    {
        var input = Input(7, 3, 4);
        var target = Input(8, 3, 4);
        var loss = new MSELoss(reduction);
        Check(() => loss.Call(input, target), input, target);
        var row = Input(9, 4); // broadcast target
        Check(() => Functional.MseLoss(input, row, reduction), input, row);
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("sum")]
    [InlineData("none")]
    public void CrossEntropyLoss(string reduction)
    {
        var logits = Input(10, 4, 5);
        var loss = new CrossEntropyLoss(reduction);
        Check(() => loss.Call(logits, Torch.Tensor([1L, 0, 4, 2])), logits);
        Check(() => loss.Call(logits, Torch.Tensor([1L, -100, 4, -100])), logits);
        var probs = Torch.Rand([4, 5], DType.Float64, new Generator(11)).RequiresGrad_();
        Check(() => loss.Call(logits, probs), logits, probs);
        var single = Input(12, 5);
        Check(() => loss.Call(single, Torch.Tensor([3L], [])), single);
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("sum")]
    [InlineData("none")]
    public void BCEWithLogitsLoss(string reduction)
    {
        var logits = Input([-3.0, -0.5, 0.0, 0.7, 2.5, 0.0, -1.2, 4.0], 2, 4); // includes x = 0 exactly
        var target = Torch.Rand([2, 4], DType.Float64, new Generator(13)).RequiresGrad_();
        var loss = new BCEWithLogitsLoss(reduction);
        Check(() => loss.Call(logits, target), logits, target);
    }

    [Fact]
    public void SequentialModelEndToEnd()
    {
        var model = new Sequential(
            new Linear(3, 5, dtype: DType.Float64), new Tanh(),
            new Linear(5, 4, dtype: DType.Float64), new BatchNorm1d(4, dtype: DType.Float64), new Sigmoid(),
            new Linear(4, 2, dtype: DType.Float64));
        var x = Input(14, 6, 3);
        var target = Torch.Tensor([0L, 1, 1, 0, 1, 0]);
        var loss = new CrossEntropyLoss();
        Check(() => loss.Call(model.Call(x), target), [x, .. model.Parameters()], DefaultEps, DefaultAtol, DefaultRtol);
    }

    [Fact]
    public void DropoutWithAFixedMask()
    {
        var x = Input(15, 4, 5);
        // Re-seeding per call makes the mask the same for every evaluation.
        Check(() => Functional.Dropout(x, 0.4, training: true, generator: new Generator(16)), x);
    }

    [Fact]
    public void ReluFlattenModules()
    {
        var x = Input([0.5, -1.0, 2.0, -0.3, 0.8, -2.2], 2, 3);
        Check(() => new ReLU().Call(x), x);
        Check(() => new Sequential(new Flatten(0), new Sigmoid()).Call(x), x);
    }
}
