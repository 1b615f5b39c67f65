using SharpOptim.NN;
using Xunit;
using static SharpOptim.Tests.NN.NNReference;

namespace SharpOptim.Tests.NN;

public class UtilsTests
{
    private static Tensor WithGrad(double[] grad, params int[] shape)
    {
        var p = Torch.Zeros(shape, DType.Float64, requiresGrad: true);
        p.Grad = Torch.Tensor(grad, shape);
        return p;
    }

    [Fact]
    public void ClipGradNormOnKnownGradients()
    {
        // ‖(3, 4, 0, 12)‖₂ = 13
        var a = WithGrad([3.0, 4.0], 2);
        var b = WithGrad([0.0, 12.0], 1, 2);
        var total = Utils.ClipGradNorm_([a, b], maxNorm: 6.5);
        Assert.Equal(13.0, total.Item());
        Assert.Equal(0, total.Dim);
        double coef = 1 / (13 + 1e-6) * 6.5;
        Assert.Equal([3 * coef, 4 * coef], a.Grad!.ToDoubleArray());
        Assert.Equal([0, 12 * coef], b.Grad!.ToDoubleArray());

        // Below the limit nothing changes (the coefficient clamps to 1).
        var c = WithGrad([0.3, -0.4], 2);
        Assert.Equal(0.5, Utils.ClipGradNorm_(c, 1.0).Item(), 15);
        Assert.Equal([0.3, -0.4], c.Grad!.ToDoubleArray());
    }

    [Fact]
    public void ClipGradNormOtherNormsAndSkippedParameters()
    {
        var a = WithGrad([3.0, -4.0], 2);
        var b = WithGrad([0.5], 1);
        var noGrad = Torch.Zeros([2], DType.Float64, requiresGrad: true);
        Assert.Equal(4.0, Utils.ClipGradNorm_([a, noGrad, b], 100, normType: double.PositiveInfinity).Item());
        Assert.Null(noGrad.Grad);
        Assert.Equal(7.5, Utils.ClipGradNorm_([a, b], 100, normType: 1).Item());
        Assert.Equal(0.0, Utils.ClipGradNorm_([noGrad], 1).Item());
        Assert.Equal(DType.Float32, Utils.ClipGradNorm_([noGrad], 1).DType); // torch.tensor(0.0)
    }

    public static TheoryData<string> ClipGradNormCaseIds() => CaseIds("clip_grad_norm");

    [Theory]
    [MemberData(nameof(ClipGradNormCaseIds))]
    public void ClipGradNormMatchesPyTorch(string id)
    {
        var section = Section("clip_grad_norm");
        var c = Case("clip_grad_norm", id);
        var dtype = DTypeOf(c.GetProperty("dtype").GetString()!);
        var grads = section.GetProperty("grads").EnumerateArray().Select(g => Tensor(g, dtype)).ToArray();
        var ps = grads.Select(g => Torch.Zeros(g.Shape, dtype, requiresGrad: true)).ToArray();
        for (int i = 0; i < ps.Length; i++) ps[i].Grad = grads[i];
        var total = Utils.ClipGradNorm_(ps, c.GetProperty("max_norm").GetDouble(), Number(c.GetProperty("norm_type")));
        Assert.Equal(c.GetProperty("total_norm_dtype").GetString(), total.DType.TorchName());
        AssertClose([Number(c.GetProperty("total_norm"))], [total.Item()], dtype, $"{id} total norm");
        var expected = c.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < ps.Length; i++) AssertClose(expected[i], ps[i].Grad!, $"{id} grad {i}");
    }

    [Fact]
    public void ClipGradNormNonFiniteError()
    {
        var p = Torch.Zeros([1, 1], requiresGrad: true);
        p.Grad = Torch.Tensor([float.PositiveInfinity], [1, 1]);
        Assert.Equal(ErrorMessage("clip_grad_norm_nonfinite"),
            Assert.Throws<InvalidOperationException>(() => Utils.ClipGradNorm_(p, 1.0, errorIfNonfinite: true)).Message);
        p.Grad = Torch.Tensor([float.NaN], [1, 1]);
        Assert.Equal(ErrorMessage("clip_grad_norm_nonfinite_inf_norm"),
            Assert.Throws<InvalidOperationException>(() => Utils.ClipGradNorm_(p, 1.0, double.PositiveInfinity, errorIfNonfinite: true)).Message);
        Assert.True(float.IsNaN(p.Grad.Item<float>())); // untouched
        // Without the flag the non-finite norm is used: everything becomes 0 or nan, as PyTorch.
        p.Grad = Torch.Tensor([float.PositiveInfinity], [1, 1]);
        Assert.True(double.IsPositiveInfinity(Utils.ClipGradNorm_(p, 1.0).Item()));
    }

    [Fact]
    public void ClipGradNormWithSparseGradient()
    {
        var emb = new Embedding(4, 2, sparse: true, dtype: DType.Float64);
        emb.Call(Torch.Tensor([1L, 1, 3])).Sum().Backward(); // rows 1 (twice) and 3
        var total = Utils.ClipGradNorm_(emb.Parameters(), 1.0);
        Assert.Equal(Math.Sqrt(4 + 4 + 1 + 1), total.Item(), 14);
        var dense = emb.Weight.Grad!.ToDense().ToDoubleArray();
        Assert.Equal(1.0, Math.Sqrt(dense.Sum(v => v * v)), 5);
    }

    [Fact]
    public void ClipGradValue()
    {
        var a = WithGrad([-3.0, 0.2, 5.0], 3);
        var b = Torch.Zeros([1], DType.Float64, requiresGrad: true);
        Utils.ClipGradValue_([a, b], 1.0);
        Assert.Equal([-1.0, 0.2, 1.0], a.Grad!.ToDoubleArray());
        Assert.Null(b.Grad);
    }

    [Fact]
    public void ParametersToVectorAndBack()
    {
        var model = new Sequential(new Linear(3, 2, dtype: DType.Float64), new Linear(2, 1, dtype: DType.Float64));
        var vec = Utils.ParametersToVector(model.Parameters());
        Assert.Equal([6 + 2 + 2 + 1], vec.Shape);
        Assert.Equal(model.Parameters().SelectMany(p => p.ToDoubleArray()), vec.ToDoubleArray());
        Assert.True(vec.RequiresGrad); // a differentiable function of the parameters, as PyTorch's

        var replacement = Torch.Arange(11, DType.Float64);
        Utils.VectorToParameters(replacement, model.Parameters());
        Assert.Equal([0.0, 1, 2, 3, 4, 5], ((Linear)model[0]).Weight.ToDoubleArray());
        Assert.Equal([10.0], ((Linear)model[1]).Bias!.ToDoubleArray());
        Assert.Equal([2, 3], ((Linear)model[0]).Weight.Shape);
        Assert.True(((Linear)model[0]).Weight.IsLeaf);
        Utils.VectorToParameters(Torch.Arange(20, DType.Float64), model.Parameters()); // extra elements are ignored
    }

    [Fact]
    public void VectorToParametersRejectsAShortVectorAndChangesNothing()
    {
        var p = Torch.Zeros([2, 3], requiresGrad: true);
        var e = Assert.Throws<ArgumentException>(() => Utils.VectorToParameters(Torch.Ones(3), [p]));
        Assert.Equal(ErrorMessage("vector_to_parameters_short"), e.Message);
        var first = Torch.Zeros([2], requiresGrad: true);
        Assert.Throws<ArgumentException>(() => Utils.VectorToParameters(Torch.Ones(5), [first, p]));
        Assert.Equal([0.0, 0], first.ToDoubleArray());
    }
}
