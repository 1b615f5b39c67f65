using SharpOptim.NN;
using Xunit;

namespace SharpOptim.Tests.NN;

public class DeepCopyTests
{
    [Fact]
    public void CopyIsIndependentAndComputesTheSame()
    {
        var net = new Net();
        net.Features.Call(Torch.Randn([6, 4], generator: new Generator(4)));
        net.Eval();
        var copy = Assert.IsType<Net>(net.DeepCopy());
        Assert.False(copy.Training);
        var x = Torch.Randn([3, 4], generator: new Generator(5));
        Assert.Equal(net.Call(x).ToDoubleArray(), copy.Call(x).ToDoubleArray());

        var original = net.NamedParameters().ToList();
        var copied = copy.NamedParameters().ToList();
        Assert.Equal(original.Select(p => p.Name), copied.Select(p => p.Name));
        for (int i = 0; i < original.Count; i++)
        {
            Assert.NotSame(original[i].Param, copied[i].Param);
            Assert.IsType<Parameter>(copied[i].Param);
            Assert.True(copied[i].Param.IsLeaf && copied[i].Param.RequiresGrad);
            Assert.Equal(original[i].Param.ToDoubleArray(), copied[i].Param.ToDoubleArray());
        }
        Assert.Equal(net.StateDict().Keys, copy.StateDict().Keys);
        foreach (var (key, value) in copy.StateDict())
            Assert.Equal(net.StateDict()[key].ToDoubleArray(), value.ToDoubleArray());

        // Changing the original leaves the copy alone, parameters and buffers alike.
        using (Torch.NoGrad())
        {
            foreach (var p in net.Parameters()) p.Fill_(9);
            foreach (var b in net.Buffers()) b.Fill_(9);
        }
        Assert.All(copy.Parameters(), p => Assert.DoesNotContain(9.0, p.ToDoubleArray()));
        Assert.Equal([1.0, 1, 1], copy.Scale.ToDoubleArray());
        Assert.NotEqual(9, ((BatchNorm1d)copy.Features[1]).NumBatchesTracked!.Item<long>());
    }

    [Fact]
    public void FieldsAreRewiredToTheCopiedChildren()
    {
        var net = new Net();
        var copy = (Net)net.DeepCopy();
        Assert.NotSame(net.Head, copy.Head);
        Assert.NotSame(net.Features, copy.Features);
        Assert.Same(copy.Head, copy.Modules().OfType<Linear>().Last());
        Assert.Same(copy.Features[0], copy.Features.First()); // Sequential's own list
        Assert.Same(copy.Features[0], copy.Modules().ElementAt(2));
        // Training one does not move the other's statistics.
        copy.Features.Call(Torch.Randn([6, 4], generator: new Generator(6)));
        Assert.Equal(0, ((BatchNorm1d)net.Features[1]).NumBatchesTracked!.Item<long>());
        Assert.Equal(1, ((BatchNorm1d)copy.Features[1]).NumBatchesTracked!.Item<long>());
    }

    [Fact]
    public void SharingAndRequiresGradAreKept()
    {
        var tied = new Tied();
        tied.Gain.RequiresGrad = false;
        tied.Call(Torch.Ones(2, 3)).Sum().Backward();
        var copy = (Tied)tied.DeepCopy();
        Assert.Same(copy.First.Weight, copy.Second.Weight);   // still tied, to the copy's own weight
        Assert.NotSame(tied.First.Weight, copy.First.Weight);
        Assert.Same(copy.Gain, copy.Parameters().First());    // field and registration agree
        Assert.False(copy.Gain.RequiresGrad);
        Assert.All(copy.Parameters(), p => Assert.Null(p.Grad)); // grads are not copied (PyTorch's Parameter.__deepcopy__)
        Assert.Equal(tied.Parameters().Count(), copy.Parameters().Count());
        var x = Torch.Ones(2, 3);
        Assert.Equal(tied.Call(x).ToDoubleArray(), copy.Call(x).ToDoubleArray());
    }

    /// <summary>A model keeping its layers in a dictionary field as well as registering them.</summary>
    private sealed class Routed : Module
    {
        private Dictionary<string, Linear> _routes = [];

        public Routed()
        {
            foreach (var name in new[] { "a", "b" })
            {
                _routes[name] = new Linear(2, 2);
                RegisterModule(name, _routes[name]);
            }
        }

        public Linear Route(string name) => _routes[name];

        public override Tensor Forward(Tensor input) => _routes["b"].Call(_routes["a"].Call(input));

        protected override void OnDeepCopy(DeepCopyMap map)
            => _routes = _routes.ToDictionary(kv => kv.Key, kv => map.Copy(kv.Value));
    }

    [Fact]
    public void OnDeepCopyRepointsAnyFieldToTheRegisteredCopies()
    {
        var routed = new Routed();
        var copy = (Routed)routed.DeepCopy();
        Assert.Same(copy.Children().First(), copy.Route("a"));   // the registry's copy, not a second one
        Assert.NotSame(routed.Route("a"), copy.Route("a"));
        using (Torch.NoGrad()) routed.Route("a").Weight.Fill_(5);
        var x = Torch.Ones(1, 2);
        Assert.NotEqual(routed.Call(x).ToDoubleArray(), copy.Call(x).ToDoubleArray());
    }

    [Fact]
    public void ACopiedSequentialComputesWithItsOwnLayers()
    {
        // The Native AOT failure: the copy's layer list still held the original's layers.
        var model = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
        var copy = (Sequential)model.DeepCopy();
        var x = Torch.Ones(1, 3);
        var before = copy.Call(x).ToDoubleArray();
        using (Torch.NoGrad()) foreach (var p in model.Parameters()) p.Fill_(3);
        Assert.Equal(before, copy.Call(x).ToDoubleArray());
        Assert.All(copy.Zip(copy.Children()), pair => Assert.Same(pair.First, pair.Second));
    }
}
