using Xunit;

namespace SharpOptim.Tests.Autograd;

public class AutogradSemanticsTests
{
    [Fact]
    public void GradientsAccumulateOverTwoBackwardPasses()
    {
        var x = Torch.Tensor([1.0, 2, 3], requiresGrad: true);
        x.Mul(x).Sum().Backward();
        var first = x.Grad!;
        Assert.Equal([2.0, 4, 6], first.ToDoubleArray());
        x.Mul(3).Sum().Backward();
        Assert.Same(first, x.Grad); // accumulated in place, as AccumulateGrad
        Assert.Equal([5.0, 7, 9], x.Grad!.ToDoubleArray());
        x.Grad = null;
        x.Sum().Backward();
        Assert.Equal([1.0, 1, 1], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void ATensorUsedTwiceGetsBothContributions()
    {
        var x = Torch.Tensor([2.0, -1], requiresGrad: true);
        var y = x.Mul(x).Add(x).Add(x.Exp().Mul(x)); // x² + x + x eˣ
        y.Sum().Backward();
        var xs = x.ToDoubleArray();
        Assert.Equal(xs.Select(v => 2 * v + 1 + Math.Exp(v) * (1 + v)), x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void NoGradScopeRecordsNothingAndRestores()
    {
        var x = Torch.Ones([2], DType.Float64, requiresGrad: true);
        Assert.True(Torch.IsGradEnabled);
        using (Torch.NoGrad())
        {
            Assert.False(Torch.IsGradEnabled);
            var y = x.Mul(2);
            Assert.False(y.RequiresGrad);
            Assert.Null(y.GradFn);
            Assert.True(y.IsLeaf);
            using (Torch.EnableGrad())
            {
                Assert.True(x.Mul(2).RequiresGrad);
            }
            Assert.False(Torch.IsGradEnabled);
            x.Add_(1); // allowed on a leaf that requires grad when not recording
        }
        Assert.True(Torch.IsGradEnabled);
        Assert.Equal([2.0, 2], x.ToDoubleArray());
        Assert.True(x.IsLeaf && x.RequiresGrad);
        Assert.Equal("MulBackward1", x.Mul(2).GradFn!.Name);
        Assert.Equal("MulBackward0", x.Mul(x).GradFn!.Name);
    }

    [Fact]
    public void SetGradEnabledScopesSetTheModeAndRestoreIt()
    {
        var x = Torch.Ones([2], DType.Float64, requiresGrad: true);
        using (Torch.SetGradEnabled(false))
        {
            Assert.False(x.Mul(2).RequiresGrad);
            using (Torch.SetGradEnabled(true))
                Assert.True(x.Mul(2).RequiresGrad);
            Assert.False(Torch.IsGradEnabled);
        }
        Assert.True(Torch.IsGradEnabled);
    }

    [Fact]
    public void InPlaceOnALeafThatRequiresGradThrows()
    {
        var x = Torch.Ones([2], requiresGrad: true);
        var e = Assert.Throws<InvalidOperationException>(() => x.Add_(1));
        Assert.Equal("a leaf Variable that requires grad is being used in an in-place operation.", e.Message);
        Assert.Throws<InvalidOperationException>(() => x.Mul_(Torch.Ones(2)));
        Assert.Throws<InvalidOperationException>(() => x.Copy_(Torch.Zeros(2)));
        Assert.Equal([1.0, 1], x.ToDoubleArray()); // unchanged
        var view = x.Narrow(0, 0, 1);
        Assert.Equal("a view of a leaf Variable that requires grad is being used in an in-place operation.",
            Assert.Throws<InvalidOperationException>(() => view.Mul_(5)).Message);
        Assert.Equal([1.0, 1], x.ToDoubleArray());
    }

    [Fact]
    public void InPlaceOnANonLeafGivesTheRightGradient()
    {
        var x = Torch.Tensor([1.0, 2, 3], requiresGrad: true);
        var w = Torch.Tensor([0.5, -1, 2], requiresGrad: true);
        var y = x.Mul(2);   // y = 2x
        y.Add_(w);          // y = 2x + w
        y.Mul_(x);          // y = (2x + w) x
        y.Exp_();           // y = exp((2x + w) x)
        Assert.False(y.IsLeaf);
        Assert.Equal("ExpBackward0", y.GradFn!.Name);
        y.Sum().Backward();
        var xs = x.ToDoubleArray();
        var ws = w.ToDoubleArray();
        for (int i = 0; i < 3; i++)
        {
            double e = Math.Exp((2 * xs[i] + ws[i]) * xs[i]);
            Assert.Equal(e * (4 * xs[i] + ws[i]), x.Grad!.ToDoubleArray()[i], 1e-9);
            Assert.Equal(e * xs[i], w.Grad!.ToDoubleArray()[i], 1e-9);
        }
    }

    [Fact]
    public void InPlaceOnATensorThatDoesNotRequireGradStartsHistory()
    {
        var w = Torch.Tensor([2.0, 3], requiresGrad: true);
        var buffer = Torch.Zeros([2], DType.Float64);
        buffer.Add_(w).Mul_(w); // buffer = w²
        Assert.False(buffer.IsLeaf);
        buffer.Sum().Backward();
        Assert.Equal([4.0, 6], w.Grad!.ToDoubleArray());
    }

    [Fact]
    public void OverwritingASavedValueIsAnErrorNotAWrongGradient()
    {
        // Saved input, modified in place under autograd.
        var w = Torch.Tensor([2.0, 3], requiresGrad: true);
        var x = Torch.Tensor([1.0, 1], requiresGrad: true).Mul(1);
        var y = x.Mul(w);
        x.Add_(10);
        var e = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.StartsWith("one of the variables needed for gradient computation has been modified by an inplace operation: [torch.DoubleTensor [2]]", e.Message);
        Assert.Contains("is at version 1; expected version 0 instead", e.Message);

        // Saved output (exp keeps its result).
        var a = Torch.Tensor([0.5], requiresGrad: true);
        var b = a.Exp();
        b.Mul_(2);
        Assert.Throws<InvalidOperationException>(() => b.Sum().Backward());

        // A leaf changed under NoGrad (an optimizer step) before backward.
        var p = Torch.Tensor([1.0, 2], requiresGrad: true);
        var q = Torch.Tensor([5.0, 7], requiresGrad: true);
        var z = p.Mul(q).Sum();
        using (Torch.NoGrad()) p.Add_(1);
        Assert.Throws<InvalidOperationException>(() => z.Backward());

        // An op that saves nothing (add) does not mind.
        var c = Torch.Tensor([1.0], requiresGrad: true);
        var d = c.Mul(1);
        var s = d.Add(c);
        d.Add_(5);
        s.Sum().Backward();
        Assert.Equal([2.0], c.Grad!.ToDoubleArray());
    }

    [Fact]
    public void InPlaceThroughAViewOfANonLeafIsRefusedWhileRecording()
    {
        var x = Torch.Tensor([1.0, 2, 3, 4], [2, 2], requiresGrad: true);
        var y = x.Mul(1);
        Assert.Throws<NotSupportedException>(() => y[0].Mul_(5));
        Assert.Throws<NotSupportedException>(() => y.Reshape(4).Add_(1));
        Assert.Equal([1.0, 2, 3, 4], y.ToDoubleArray());
        // Not recording: plain writes into the shared storage.
        var plain = Torch.Zeros([2, 2], DType.Float64);
        plain[1].Fill_(3);
        Assert.Equal([0.0, 0, 3, 3], plain.ToDoubleArray());
        using (Torch.NoGrad()) y[0].Mul_(5);
        Assert.Equal([5.0, 10, 3, 4], y.ToDoubleArray());
    }

    [Fact]
    public void RetainGradKeepsANonLeafGradient()
    {
        var x = Torch.Tensor([1.0, 2], requiresGrad: true);
        var h = x.Mul(3);
        var k = h.Square();
        h.RetainGrad();
        Assert.True(h.RetainsGrad);
        k.Sum().Backward();
        Assert.Equal([6.0, 12], h.Grad!.ToDoubleArray()); // d(h²)/dh = 2h
        Assert.Null(k.Grad);                              // not retained
        Assert.Equal([18.0, 36], x.Grad!.ToDoubleArray());
        x.RetainGrad();                                   // no-op on a leaf
        Assert.False(x.RetainsGrad);
    }

    [Fact]
    public void DetachCutsTheGraphAndSharesData()
    {
        var x = Torch.Tensor([1.0, 2], requiresGrad: true);
        var y = x.Mul(2);
        var d = y.Detach();
        Assert.False(d.RequiresGrad);
        Assert.True(d.IsLeaf);
        var z = d.Mul(x).Sum(); // d is a constant
        z.Backward();
        Assert.Equal([2.0, 4], x.Grad!.ToDoubleArray());
        d.AsSpan<double>()[0] = 100;
        Assert.Equal(100, y.ToDoubleArray()[0]);
        var e = x.Mul(1);
        e.Detach_();
        Assert.True(e.IsLeaf);
        Assert.False(e.RequiresGrad);
    }

    [Fact]
    public void MixedDtypeGradientsTakeEachInputsDtype()
    {
        var s = Torch.Scalar(2.0, DType.Float64, requiresGrad: true);
        var v = Torch.Tensor([1f, 2f, 3f], requiresGrad: true);
        var y = v.Mul(s).Sum();
        Assert.Equal(DType.Float32, y.DType);
        y.Backward();
        Assert.Equal(DType.Float64, s.Grad!.DType);
        Assert.Equal(6.0, s.Grad.Item());
        Assert.Equal(DType.Float32, v.Grad!.DType);
        Assert.Equal([2.0, 2, 2], v.Grad.ToDoubleArray());
    }

    [Fact]
    public void BackwardErrors()
    {
        var x = Torch.Ones([2], requiresGrad: true);
        Assert.Equal("grad can be implicitly created only for scalar outputs",
            Assert.Throws<InvalidOperationException>(() => x.Mul(2).Backward()).Message);
        Assert.Equal("element 0 of tensors does not require grad and does not have a grad_fn",
            Assert.Throws<InvalidOperationException>(() => Torch.Ones(1).Backward()).Message);
        Assert.StartsWith("Mismatch in shape",
            Assert.Throws<ArgumentException>(() => x.Mul(2).Backward(Torch.Ones(3))).Message);
        x.Mul(2).Backward(Torch.Tensor([1f, 0.5f]));
        Assert.Equal([2.0, 1], x.Grad!.ToDoubleArray());
        Assert.Equal("only Tensors of floating point dtype can require gradients, not int64",
            Assert.Throws<InvalidOperationException>(() => Torch.Tensor([1L]).RequiresGrad_()).Message);
        Assert.Throws<ArgumentException>(() => x.Grad = Torch.Zeros(3));
        Assert.Throws<ArgumentException>(() => x.Grad = Torch.Zeros([2], DType.Float64));
        Assert.Throws<InvalidOperationException>(() => x.Mul(2).RequiresGrad = false);
    }
}
