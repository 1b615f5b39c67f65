using SharpOptim.NN;
using Xunit;

namespace SharpOptim.Tests.Autograd;

public class PostAccumulateGradHookTests
{
    [Fact]
    public void RunsOncePerBackwardAfterEveryUseOfTheLeafWasAccumulated()
    {
        var w = Torch.Tensor([2.0, 3.0], requiresGrad: true);
        var seen = new List<double[]>();
        w.RegisterPostAccumulateGradHook(p => seen.Add(p.Grad!.ToDoubleArray()));
        // w is used twice: d/dw sum(w*w + 3w) = 2w + 3
        w.Mul(w).Add(w.Mul(3.0)).Sum().Backward();
        Assert.Single(seen);
        Assert.Equal([7.0, 9.0], seen[0]);
        w.Mul(w).Add(w.Mul(3.0)).Sum().Backward();   // accumulates into the existing grad
        Assert.Equal(2, seen.Count);
        Assert.Equal([14.0, 18.0], seen[1]);
    }

    [Fact]
    public void RunsForTheLeavesInTheOrderTheirGradientsAreReady()
    {
        var model = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
        var order = new List<string>();
        foreach (var (name, p) in model.NamedParameters()) p.RegisterPostAccumulateGradHook(_ => order.Add(name));
        model.Call(Torch.Ones(5, 3)).Sum().Backward();
        Assert.Equal(4, order.Count);
        Assert.Equal(["2.bias", "2.weight"], order.Take(2).Order());
        Assert.Equal(["0.bias", "0.weight"], order.Skip(2).Order());
    }

    [Fact]
    public void RunsForALeafRootAndStopsWhenRemoved()
    {
        var x = Torch.Tensor([1.0], requiresGrad: true);
        int calls = 0;
        var handle = x.RegisterPostAccumulateGradHook(_ => calls++);
        x.Backward(Torch.Tensor([1.0]));
        Assert.Equal(1, calls);
        handle.Remove();
        x.Mul(2.0).Sum().Backward();
        Assert.Equal(1, calls);
        Assert.Equal([3.0], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void DoesNotRunForALeafNoGradientReached()
    {
        var a = Torch.Tensor([1.0], requiresGrad: true);
        var b = Torch.Tensor([1.0], requiresGrad: true);
        int calls = 0;
        b.RegisterPostAccumulateGradHook(_ => calls++);
        a.Mul(2.0).Sum().Backward();
        Assert.Equal(0, calls);
    }

    [Fact]
    public void IsRefusedOnNonLeavesAndOnTensorsWithoutGrad()
    {
        var leaf = Torch.Tensor([1.0], requiresGrad: true);
        var e = Assert.Throws<InvalidOperationException>(() => leaf.Mul(2.0).RegisterPostAccumulateGradHook(_ => { }));
        Assert.Equal("post accumulate grad hooks cannot be registered on non-leaf tensors", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => Torch.Tensor([1.0]).RegisterPostAccumulateGradHook(_ => { }));
        Assert.Equal("cannot register a hook on a tensor that doesn't require gradient", e.Message);
    }
}
