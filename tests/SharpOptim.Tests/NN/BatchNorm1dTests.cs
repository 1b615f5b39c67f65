using System.Text.Json;
using SharpOptim.NN;
using Xunit;
using static SharpOptim.Tests.NN.NNReference;

namespace SharpOptim.Tests.NN;

public class BatchNorm1dTests
{
    private static Tensor[] Batches(DType dtype)
        => Section("batchnorm").GetProperty("batches").EnumerateArray().Select(b => Tensor(b, dtype)).ToArray();

    /// <summary>Per-feature mean and unbiased variance of a (N, C) batch, straight from the definition.</summary>
    private static (double[] Mean, double[] UnbiasedVar) Stats(double[] x, int n, int c)
    {
        var mean = new double[c];
        var var = new double[c];
        for (int f = 0; f < c; f++)
        {
            for (int i = 0; i < n; i++) mean[f] += x[i * c + f];
            mean[f] /= n;
            for (int i = 0; i < n; i++) var[f] += (x[i * c + f] - mean[f]) * (x[i * c + f] - mean[f]);
            var[f] /= n - 1;
        }
        return (mean, var);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(null)]
    public void RunningStatsOverThreeBatchesFollowTheDefinition(double? momentum)
    {
        var batches = Batches(DType.Float64);
        var bn = new BatchNorm1d(3, momentum: momentum, dtype: DType.Float64);
        // Expected, independently of the module: exponential average with weight m, or for
        // momentum None the plain average of the batch statistics seen so far.
        var expMean = new double[] { 0, 0, 0 };
        var expVar = new double[] { 1, 1, 1 };
        var sumMean = new double[3];
        var sumVar = new double[3];
        for (int b = 0; b < batches.Length; b++)
        {
            bn.Call(batches[b]);
            var (mean, var) = Stats(batches[b].ToDoubleArray(), 5, 3);
            for (int f = 0; f < 3; f++)
            {
                sumMean[f] += mean[f];
                sumVar[f] += var[f];
                if (momentum is double m)
                {
                    expMean[f] = (1 - m) * expMean[f] + m * mean[f];
                    expVar[f] = (1 - m) * expVar[f] + m * var[f];
                }
                else
                {
                    // cumulative moving average: running_k = running_{k-1} + (x_k - running_{k-1}) / k,
                    // which after k batches equals the plain mean of the k batch statistics.
                    expMean[f] = sumMean[f] / (b + 1);
                    expVar[f] = sumVar[f] / (b + 1);
                }
            }
            AssertClose(expMean, bn.RunningMean!.ToDoubleArray(), DType.Float64, $"running_mean after batch {b + 1}");
            AssertClose(expVar, bn.RunningVar!.ToDoubleArray(), DType.Float64, $"running_var after batch {b + 1}");
            Assert.Equal(b + 1, bn.NumBatchesTracked!.Item<long>());
        }
    }

    [Fact]
    public void TrainingNormalisesWithBiasedBatchVariance()
    {
        var x = Batches(DType.Float64)[0];
        var bn = new BatchNorm1d(3, eps: 0, dtype: DType.Float64);
        var y = bn.Call(x).ToDoubleArray();
        var (mean, unbiased) = Stats(x.ToDoubleArray(), 5, 3);
        var xs = x.ToDoubleArray();
        for (int i = 0; i < 5; i++)
            for (int f = 0; f < 3; f++)
            {
                double biased = unbiased[f] * 4 / 5;
                Assert.Equal((xs[i * 3 + f] - mean[f]) / Math.Sqrt(biased), y[i * 3 + f], 12);
            }
    }

    public static TheoryData<string> BatchnormCaseIds() => CaseIds("batchnorm");

    /// <summary>Outputs, running statistics, gradients and the eval output against PyTorch's, batch by batch.</summary>
    [Theory]
    [MemberData(nameof(BatchnormCaseIds))]
    public void MatchesPyTorch(string id)
    {
        var section = Section("batchnorm");
        var c = Case("batchnorm", id);
        var dtype = DTypeOf(c.GetProperty("dtype").GetString()!);
        var kwargs = c.GetProperty("kwargs");
        double? momentum = kwargs.TryGetProperty("momentum", out var m) ? (m.ValueKind == JsonValueKind.Null ? null : m.GetDouble()) : 0.1;
        var bn = new BatchNorm1d(3,
            eps: kwargs.TryGetProperty("eps", out var eps) ? eps.GetDouble() : 1e-5,
            momentum: momentum,
            affine: !kwargs.TryGetProperty("affine", out var affine) || affine.GetBoolean(),
            trackRunningStats: !kwargs.TryGetProperty("track_running_stats", out var track) || track.GetBoolean(),
            dtype: dtype);
        if (bn.Affine)
            using (Torch.NoGrad())
            {
                bn.Weight!.Copy_(Tensor(section.GetProperty("weight")));
                bn.Bias!.Copy_(Tensor(section.GetProperty("bias")));
            }

        var batches = section.GetProperty("batches").EnumerateArray().ToArray();
        var upstream = section.GetProperty("upstream").EnumerateArray().ToArray();
        var steps = c.GetProperty("steps").EnumerateArray().ToArray();
        for (int b = 0; b < steps.Length; b++)
        {
            var step = steps[b];
            var x = Tensor(batches[b], dtype).RequiresGrad_();
            bn.ZeroGrad();
            var y = bn.Call(x);
            y.Mul(Tensor(upstream[b], dtype)).Sum().Backward();
            AssertClose(step.GetProperty("output"), y, $"{id} output {b}");
            AssertClose(step.GetProperty("grad_input"), x.Grad!, $"{id} grad_input {b}");
            if (step.GetProperty("running_mean").ValueKind == JsonValueKind.Null) Assert.Null(bn.RunningMean);
            else AssertClose(step.GetProperty("running_mean"), bn.RunningMean!, $"{id} running_mean {b}");
            if (step.GetProperty("running_var").ValueKind == JsonValueKind.Null) Assert.Null(bn.RunningVar);
            else AssertClose(step.GetProperty("running_var"), bn.RunningVar!, $"{id} running_var {b}");
            if (step.GetProperty("num_batches_tracked").ValueKind == JsonValueKind.Null) Assert.Null(bn.NumBatchesTracked);
            else Assert.Equal(step.GetProperty("num_batches_tracked").GetInt64(), bn.NumBatchesTracked!.Item<long>());
            if (step.GetProperty("grad_weight").ValueKind == JsonValueKind.Null) Assert.Null(bn.Weight?.Grad);
            else AssertClose(step.GetProperty("grad_weight"), bn.Weight!.Grad!, $"{id} grad_weight {b}");
            if (step.GetProperty("grad_bias").ValueKind == JsonValueKind.Null) Assert.Null(bn.Bias?.Grad);
            else AssertClose(step.GetProperty("grad_bias"), bn.Bias!.Grad!, $"{id} grad_bias {b}");
        }
        bn.Eval();
        using (Torch.NoGrad())
            AssertClose(c.GetProperty("eval_output"), bn.Call(Tensor(section.GetProperty("eval_input"), dtype)), $"{id} eval output");
        Assert.Equal(Strings(c.GetProperty("state_dict_keys")), bn.StateDict().Keys);
        Assert.Equal(c.GetProperty("repr").GetString(), bn.ToString());
    }

    [Fact]
    public void MomentumCanBeSwitchedToCumulativeAndBack()
    {
        // What swa_utils.update_bn does: reset, momentum = null, one pass, restore momentum.
        var batches = Batches(DType.Float64);
        var bn = new BatchNorm1d(3, dtype: DType.Float64);
        bn.Call(batches[0]);
        bn.ResetRunningStats();
        Assert.Equal([0.0, 0, 0], bn.RunningMean!.ToDoubleArray());
        Assert.Equal([1.0, 1, 1], bn.RunningVar!.ToDoubleArray());
        Assert.Equal(0, bn.NumBatchesTracked!.Item<long>());
        bn.Momentum = null;
        bn.Call(batches[1]);
        bn.Call(batches[2]);
        var (m1, v1) = Stats(batches[1].ToDoubleArray(), 5, 3);
        var (m2, v2) = Stats(batches[2].ToDoubleArray(), 5, 3);
        AssertClose([.. m1.Zip(m2, (a, b) => (a + b) / 2)], bn.RunningMean.ToDoubleArray(), DType.Float64, "running_mean");
        AssertClose([.. v1.Zip(v2, (a, b) => (a + b) / 2)], bn.RunningVar.ToDoubleArray(), DType.Float64, "running_var");
        bn.Momentum = 0.1;
        bn.Call(batches[0]);
        var (m0, _) = Stats(batches[0].ToDoubleArray(), 5, 3);
        Assert.Equal(0.9 * (m1[0] + m2[0]) / 2 + 0.1 * m0[0], bn.RunningMean.ToDoubleArray()[0], 12);
    }

    [Fact]
    public void EvalUsesRunningStatsAndDoesNotUpdateThem()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        using (Torch.NoGrad())
        {
            bn.RunningMean!.Copy_(Torch.Tensor([1.0, -2.0]));
            bn.RunningVar!.Copy_(Torch.Tensor([4.0, 0.25]));
        }
        bn.Eval();
        var y = bn.Call(Torch.Tensor([3.0, -1.0, 1.0, -2.0], [2, 2]));
        double s0 = Math.Sqrt(4 + 1e-5), s1 = Math.Sqrt(0.25 + 1e-5);
        Assert.Equal([2 / s0, 1 / s1, 0, 0], y.ToDoubleArray());
        Assert.Equal([1.0, -2.0], bn.RunningMean.ToDoubleArray());
        Assert.Equal(0, bn.NumBatchesTracked!.Item<long>());
        // A batch of one is fine in evaluation mode.
        Assert.Equal([1, 2], bn.Call(Torch.Tensor([1.0, -2.0], [1, 2])).Shape);
    }

    [Fact]
    public void BuffersAndParametersArePyTorchs()
    {
        var bn = new BatchNorm1d(4);
        Assert.Equal(["weight", "bias"], bn.NamedParameters().Select(p => p.Name));
        Assert.Equal(["running_mean", "running_var", "num_batches_tracked"], bn.NamedBuffers().Select(b => b.Name));
        Assert.Equal(DType.Int64, bn.NumBatchesTracked!.DType);
        Assert.Equal(0, bn.NumBatchesTracked.Dim);
        Assert.Equal(DType.Float32, bn.RunningMean!.DType);
        Assert.False(bn.RunningMean.RequiresGrad);
        Assert.Equal([1.0, 1, 1, 1], bn.Weight!.ToDoubleArray());
        Assert.Equal([0.0, 0, 0, 0], bn.Bias!.ToDoubleArray());
        var untracked = new BatchNorm1d(4, affine: false, trackRunningStats: false);
        Assert.Empty(untracked.Parameters());
        Assert.Empty(untracked.Buffers());
        Assert.Empty(untracked.StateDict());
    }

    [Fact]
    public void ErrorsArePyTorchs()
    {
        var bn = new BatchNorm1d(3);
        var one = Assert.Throws<ArgumentException>(() => bn.Call(Torch.Zeros(1, 3)));
        Assert.Equal(ErrorMessage("batchnorm_one_sample"), one.Message);
        Assert.Equal(0, bn.NumBatchesTracked!.Item<long>()); // checked before counting the batch
        Assert.Equal(ErrorMessage("batchnorm_4d"), Assert.Throws<ArgumentException>(() => bn.Call(Torch.Zeros(2, 3, 1, 1))).Message);
        Assert.Equal(ErrorMessage("batchnorm_1d"), Assert.Throws<ArgumentException>(() => bn.Call(Torch.Zeros(3))).Message);
        Assert.Throws<NotSupportedException>(() => bn.Call(Torch.Zeros(2, 3, 4)));
        Assert.Equal("running_mean should contain 4 elements not 3", Assert.Throws<ArgumentException>(() => bn.Call(Torch.Zeros(2, 4))).Message);
    }
}
