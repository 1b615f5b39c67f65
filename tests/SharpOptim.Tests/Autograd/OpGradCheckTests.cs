using Xunit;
using static SharpOptim.Tests.GradCheck;

namespace SharpOptim.Tests.Autograd;

/// <summary>Finite-difference checks of every differentiable tensor op (float64).</summary>
public class OpGradCheckTests
{
    // Values kept away from the kinks of abs/relu/clamp/max so central differences are valid.
    private static Tensor AwayFromZero(int seed, params int[] shape)
    {
        var t = Torch.Randn(shape, DType.Float64, new Generator(seed));
        var s = t.AsSpan<double>();
        for (int i = 0; i < s.Length; i++) s[i] = s[i] >= 0 ? s[i] + 0.2 : s[i] - 0.2;
        return t.RequiresGrad_();
    }

    private static Tensor Positive(int seed, params int[] shape)
    {
        var t = Torch.Rand(shape, DType.Float64, new Generator(seed));
        var s = t.AsSpan<double>();
        for (int i = 0; i < s.Length; i++) s[i] = 0.5 + 2 * s[i];
        return t.RequiresGrad_();
    }

    // ------------------------------------------------------------ arithmetic

    [Fact]
    public void AddSubSameShapeWithAlpha()
    {
        var a = Input(1, 3, 4);
        var b = Input(2, 3, 4);
        Check(() => a.Add(b), a, b);
        Check(() => a.Add(b, alpha: -2.5), a, b);
        Check(() => a.Sub(b), a, b);
        Check(() => a.Sub(b, alpha: 0.75), a, b);
        Check(() => a + b - a * 0.5, a, b);
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 4 })]       // bias row (suffix fast path)
    [InlineData(new[] { 3, 4 }, new[] { 3, 1 })]    // column
    [InlineData(new[] { 3, 1 }, new[] { 1, 4 })]    // outer
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 1 })] // general map
    [InlineData(new[] { 3, 4 }, new int[0])]        // 0-d
    [InlineData(new[] { 4 }, new[] { 2, 3, 4 })]    // left operand broadcasts
    public void BinaryOpsBroadcast(int[] shapeA, int[] shapeB)
    {
        var a = Input(3, shapeA);
        var b = Positive(4, shapeB);
        Check(() => a.Add(b, alpha: 1.5), a, b);
        Check(() => a.Sub(b, alpha: 2), a, b);
        Check(() => a.Mul(b), a, b);
        Check(() => a.Div(b), a, b);
        Check(() => b.Div(b.Add(a.Square())), a, b);
        Check(() => a.Maximum(b), a, b);
        Check(() => a.Minimum(b), a, b);
    }

    [Fact]
    public void ScalarOps()
    {
        var a = Positive(5, 2, 3);
        Check(() => a.Add(1.5), a);
        Check(() => a.Sub(0.25), a);
        Check(() => a.Mul(-3), a);
        Check(() => a.Div(4), a);
        Check(() => a.RSub(2), a);
        Check(() => a.RDiv(3), a);
        Check(() => 1.0 - a, a);
        Check(() => 2.0 / a, a);
        Check(() => 3.0 * a + 1.0, a);
        Check(() => -a, a);
    }

    // ------------------------------------------------------------ unary

    [Fact]
    public void UnaryMath()
    {
        var x = Input(6, 3, 4);
        var p = Positive(7, 3, 4);
        var nz = AwayFromZero(8, 3, 4);
        Check(() => x.Neg(), x);
        Check(() => x.Exp(), x);
        Check(() => p.Log(), p);
        Check(() => p.Sqrt(), p);
        Check(() => p.Rsqrt(), p);
        Check(() => nz.Abs(), nz);
        Check(() => x.Square(), x);
        Check(() => nz.Reciprocal(), nz);
        Check(() => x.Tanh(), x);
        Check(() => x.Sigmoid(), x);
        Check(() => nz.Relu(), nz);
    }

    [Fact]
    public void SignHasZeroGradient()
    {
        var x = AwayFromZero(9, 5);
        Check(() => x.Sign().Add(x), x);
        var y = x.Sign().Sum();
        y.Backward();
        Assert.All(x.Grad!.ToDoubleArray(), v => Assert.Equal(0.0, v));
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(3.0)]
    [InlineData(2.5)]
    [InlineData(-1.5)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void PowScalarExponent(double exponent)
    {
        var p = Positive(10, 2, 3);
        Check(() => p.Pow(exponent), p);
    }

    [Fact]
    public void PowZeroExponentHasZeroGradient()
    {
        var p = Positive(11, 4);
        Check(() => p.Pow(0).Add(p), p);
    }

    [Fact]
    public void Clamp()
    {
        // Values straddle the bounds but stay away from them.
        var x = Input([-2.0, -0.9, -0.3, 0.1, 0.45, 0.8, 1.7, 3.0], 2, 4);
        Check(() => x.Clamp(-0.5, 0.6), x);
        Check(() => x.Clamp(min: 0.0), x);
        Check(() => x.Clamp(max: 0.5), x);
    }

    [Fact]
    public void MaximumMinimumSplitTiesEvenly()
    {
        // At a tie the gradient is shared 1/2 : 1/2, which is also what central differences give.
        var a = Input([1.0, 2.0, -3.0, 0.5]);
        var b = Input([1.0, 1.0, -3.0, 4.0]);
        Check(() => a.Maximum(b), a, b);
        Check(() => a.Minimum(b), a, b);
        a.Maximum(b).Sum().Backward();
        Assert.Equal([0.5, 1, 0.5, 0], a.Grad!.ToDoubleArray());
        Assert.Equal([0.5, 0, 0.5, 1], b.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Where()
    {
        var cond = Torch.Tensor([true, false, true, true, false, false], [2, 3]);
        var a = Input(12, 2, 3);
        var b = Input(13, 3);
        Check(() => Torch.Where(cond, a, b), a, b);
        Check(() => Torch.Where(cond, b, a.Mul(2)), a, b);
        var rowCond = Torch.Tensor([false, true, true], [3]);
        Check(() => Torch.Where(rowCond, a, b), a, b);
    }

    // ------------------------------------------------------------ addcmul / addcdiv / lerp

    [Fact]
    public void AddcmulAddcdiv()
    {
        var s = Input(14, 3, 4);
        var t1 = Input(15, 3, 4);
        var t2 = Positive(16, 3, 4);
        Check(() => s.Addcmul(t1, t2), s, t1, t2);
        Check(() => s.Addcmul(t1, t2, value: -0.3), s, t1, t2);
        Check(() => s.Addcdiv(t1, t2), s, t1, t2);
        Check(() => s.Addcdiv(t1, t2, value: 2.5), s, t1, t2);
        var row = Positive(17, 4);
        Check(() => s.Addcmul(t1, row, value: 0.5), s, t1, row);
        Check(() => s.Addcdiv(row, t2, value: 0.5), s, row, t2);
    }

    [Fact]
    public void Lerp()
    {
        var start = Input(18, 3, 4);
        var end = Input(19, 3, 4);
        var w = Torch.Rand([3, 4], DType.Float64, new Generator(20)).RequiresGrad_();
        Check(() => start.Lerp(end, 0.3), start, end);
        Check(() => start.Lerp(end, 0.7), start, end); // the other branch of the two-branch formula
        Check(() => start.Lerp(end, w), start, end, w);
        var wRow = Torch.Rand([4], DType.Float64, new Generator(21)).RequiresGrad_();
        Check(() => start.Lerp(end, wRow), start, end, wRow);
        var endRow = Input(22, 4);
        Check(() => start.Lerp(endRow, w), start, endRow, w);
    }

    // ------------------------------------------------------------ reductions

    [Fact]
    public void SumMeanAll()
    {
        var x = Input(23, 2, 3, 4);
        Check(() => x.Sum(), x);
        Check(() => x.Mean(), x);
        var s = Scalar(1.5);
        Check(() => s.Sum().Mul(s), s);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(-1, true)]
    [InlineData(1, true)]
    [InlineData(0, true)]
    public void SumMeanAlongDim(int dim, bool keepdim)
    {
        var x = Input(24, 2, 3, 4);
        Check(() => x.Sum(dim, keepdim), x);
        Check(() => x.Mean(dim, keepdim), x);
        Check(() => x.Mean(dim, keepdim).Square(), x);
    }

    [Fact]
    public void MaxMinAll()
    {
        var x = Input([0.3, -1.2, 2.5, 0.7, -0.4, 1.1], 2, 3);
        Check(() => x.Max(), x);
        Check(() => x.Min(), x);
    }

    [Fact]
    public void MaxAllSharesGradientAmongTies()
    {
        var x = Input([1.0, 3.0, 3.0, 2.0]);
        x.Max().Backward();
        Assert.Equal([0, 0.5, 0.5, 0], x.Grad!.ToDoubleArray());
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(-1, true)]
    public void MaxMinAlongDim(int dim, bool keepdim)
    {
        var x = Input([0.3, -1.2, 2.5, 0.7, -0.4, 1.1, 5.0, -3.0, 0.0, 0.2, 0.9, -0.8], 3, 4);
        Check(() => x.Max(dim, keepdim).Values, x);
        Check(() => x.Min(dim, keepdim).Values, x);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(3.0)]
    [InlineData(double.PositiveInfinity)]
    public void NormAll(double p)
    {
        var x = Input([0.3, -1.2, 2.5, 0.7, -0.4, 1.1], 2, 3);
        Check(() => x.Norm(p), x);
        var v = Input([0.3, -1.2, 2.5]);
        Check(() => v.Norm(p), v);
    }

    [Theory]
    [InlineData(1.0, 0, false)]
    [InlineData(2.0, 1, false)]
    [InlineData(2.0, 0, true)]
    [InlineData(3.0, -1, true)]
    [InlineData(double.PositiveInfinity, 1, false)]
    [InlineData(double.PositiveInfinity, 0, true)]
    public void NormAlongDim(double p, int dim, bool keepdim)
    {
        var x = Input([0.3, -1.2, 2.5, 0.7, -0.4, 1.1, 5.0, -3.0, 0.6, 0.2, 0.9, -0.8], 3, 4);
        Check(() => x.Norm(p, dim, keepdim), x);
    }

    [Fact]
    public void NormOfZeroVectorHasZeroGradient()
    {
        var x = Torch.Zeros([3], DType.Float64, requiresGrad: true);
        x.Norm().Backward();
        Assert.Equal([0.0, 0, 0], x.Grad!.ToDoubleArray());
    }

    // ------------------------------------------------------------ products

    [Fact]
    public void DotMmMatmul()
    {
        var v = Input(25, 4);
        var w = Input(26, 4);
        var a = Input(27, 3, 4);
        var b = Input(28, 4, 2);
        var c = Input(29, 3);
        Check(() => v.Dot(w), v, w);
        Check(() => a.Mm(b), a, b);
        Check(() => v.Matmul(w), v, w);   // 1-D · 1-D
        Check(() => a.Matmul(v), a, v);   // 2-D · 1-D
        Check(() => c.Matmul(a), c, a);   // 1-D · 2-D
        Check(() => a.Matmul(b), a, b);   // 2-D · 2-D
        Check(() => a.T(), a);
        Check(() => a.T().Mm(a), a);      // the same tensor on both sides
        Check(() => a.Mm(a.T()), a);
    }

    [Fact]
    public void LinearNode()
    {
        var x = Input(30, 5, 4);
        var weight = Input(31, 3, 4);
        var bias = Input(32, 3);
        Check(() => Tensor.Linear(x, weight, bias), x, weight, bias);
        Check(() => Tensor.Linear(x, weight, null), x, weight);
    }

    // ------------------------------------------------------------ views and copies

    [Fact]
    public void ViewsAndShapes()
    {
        var x = Input(33, 4, 3);
        Check(() => x.Reshape(2, 6).Mul(x.Reshape(2, 6)), x);
        Check(() => x.View(3, -1), x);
        Check(() => x.Flatten(), x);
        Check(() => x.Narrow(0, 1, 2), x);
        Check(() => x.Narrow(0, -2, 2).Mul(3), x);
        Check(() => x.Slice(1, 3), x);
        Check(() => x.Select(2), x);
        Check(() => x.Select(-1), x);
        Check(() => x[0].Add(x[3]), x);
        Check(() => x.Clone().Mul(x), x);
        Check(() => x.Sum().Reshape(1, 1), x);
        var unrelated = Scalar(1.0);
        Check(() => x.Mul(2), x, unrelated); // an input the output does not use: zero Jacobian
    }

    [Fact]
    public void CastRoundTripPassesGradient()
    {
        var x = Input(34, 3);
        // Through float32 and back: the function itself is rounded, so compare one vJp by hand.
        var y = x.To(DType.Float32).Mul(2).To(DType.Float64).Sum();
        y.Backward();
        Assert.Equal(DType.Float64, x.Grad!.DType);
        Assert.Equal([2.0, 2, 2], x.Grad.ToDoubleArray());
    }

    [Fact]
    public void CatAndStack()
    {
        var a = Input(35, 2, 3);
        var b = Input(36, 1, 3);
        var c = Input(37, 3, 3);
        Check(() => Torch.Cat([a, b, c]), a, b, c);
        Check(() => Torch.Cat([a, a.Mul(2)]), a);
        var u = Input(38, 3);
        var v = Input(39, 3);
        Check(() => Torch.Stack([u, v, u]), u, v);
        // Along other dims: each input gets its own slice of the gradient back.
        var d = Input(40, 2, 4);
        Check(() => Torch.Cat([a, d, a], 1), a, d);
        Check(() => Torch.Cat([a.Reshape(2, 1, 3), b.Reshape(1, 1, 3).Mul(Torch.Ones(2, 1, 1))], -2), a, b);
        Check(() => Torch.Stack([u, v], 1), u, v);
    }

    [Fact]
    public void CopyIntoNonLeafPassesGradientToSource()
    {
        var src = Input(40, 3);
        var row = Input(41, 2, 3);
        Check(() =>
        {
            var dst = Torch.Zeros([2, 3], DType.Float64).Add(row); // a non-leaf
            dst.Copy_(src);                                           // broadcast copy: row gets no gradient
            return dst.Mul(dst);
        }, src, row);
    }

    // ------------------------------------------------------------ indexing and softmax

    [Fact]
    public void IndexSelectDense()
    {
        var x = Input(42, 5, 3);
        var idx = Torch.Tensor([4L, 0, 4, 2]);
        Check(() => x.IndexSelect(0, idx), x);
        var v = Input(43, 5);
        Check(() => v.IndexSelect(0, idx), v);
    }

    [Fact]
    public void IndexSelectSparseGradient()
    {
        var x = Input(44, 5, 3);
        var idx = Torch.Tensor([4L, 0, 4, 2]);
        Check(() => x.IndexSelect(0, idx, sparseGrad: true), x);
        x.IndexSelect(0, idx, sparseGrad: true).Sum().Backward();
        Assert.True(x.Grad!.IsSparse);
        Assert.Equal([1.0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2], x.Grad.ToDense().ToDoubleArray());
    }

    [Fact]
    public void Gather()
    {
        var x = Input(45, 3, 4);
        var byRow = Torch.Tensor([3L, 0, 1, 1, 2, 2], [3, 2]);
        Check(() => x.Gather(1, byRow), x);
        var byColumn = Torch.Tensor([2L, 0, 1, 0, 1, 1, 2, 2], [2, 4]);
        Check(() => x.Gather(0, byColumn), x);
    }

    [Fact]
    public void LogSoftmaxSoftmax()
    {
        var x = Input(46, 3, 4);
        Check(() => x.LogSoftmax(1), x);
        Check(() => x.LogSoftmax(0), x);
        Check(() => x.LogSoftmax(-1).Mul(x), x);
        Check(() => x.Softmax(1), x);
        Check(() => x.Softmax(0), x);
        var v = Input(47, 5);
        Check(() => v.LogSoftmax(0), v);
    }

    // ------------------------------------------------------------ in place (on non-leaves)

    [Fact]
    public void InPlaceOpsOnNonLeaf()
    {
        var a = Input(48, 3, 4);
        var b = Positive(49, 3, 4);
        var row = Positive(50, 4);
        Check(() => a.Mul(1).Add_(b, alpha: 2), a, b);
        Check(() => a.Mul(1).Sub_(row), a, row);
        Check(() => a.Mul(1).Mul_(b), a, b);
        Check(() => a.Mul(1).Div_(row), a, row);
        Check(() => a.Mul(1).Mul_(a), a);  // the op reads the value it overwrites
        Check(() => b.Mul(1).Sqrt_().Log_(), b);
        Check(() => a.Mul(1).Tanh_().Mul_(2).Add_(1), a);
        Check(() => a.Mul(1).Sigmoid_(), a);
        Check(() => b.Mul(1).Reciprocal_(), b);
        var away = AwayFromZero(51, 3, 4);
        Check(() => away.Mul(1).Relu_(), away);
        Check(() => a.Mul(1).Addcmul_(b, row, value: 0.5), a, b, row);
        Check(() => a.Mul(1).Addcdiv_(b, row, value: 0.5), a, b, row);
        Check(() => a.Mul(1).Lerp_(b, 0.25), a, b);
        Check(() => a.Mul(1).Clamp_(-0.5, 0.5).Add(a), a);
        Check(() => a.Mul(1).Pow_(2), a);
        Check(() => a.Mul(1).Neg_(), a);
        Check(() => a.Mul(1).Fill_(2).Add(a), a);
        Check(() => a.Mul(1).Zero_().Add(b), a, b);
    }
}
