using SharpOptim.NN;
using Xunit;
using static SharpOptim.Tests.NN.NNReference;

namespace SharpOptim.Tests.NN;

public class ModuleTests
{
    private static System.Text.Json.JsonElement NetReference => Section("modules").GetProperty("net");

    [Fact]
    public void NamesAndOrderArePyTorchs()
    {
        var net = new Net();
        Assert.Equal(Strings(NetReference.GetProperty("named_parameters")), net.NamedParameters().Select(p => p.Name));
        Assert.Equal(Strings(NetReference.GetProperty("named_parameters_with_duplicates")), net.NamedParameters(removeDuplicate: false).Select(p => p.Name));
        Assert.Equal(Strings(NetReference.GetProperty("named_buffers")), net.NamedBuffers().Select(b => b.Name));
        Assert.Equal(Strings(NetReference.GetProperty("named_children")), net.NamedChildren().Select(c => c.Name));
        Assert.Equal(Strings(NetReference.GetProperty("named_modules")), net.NamedModules().Select(m => m.Name));
        Assert.Equal(Strings(NetReference.GetProperty("state_dict_keys")), net.StateDict().Keys);
        var shapes = NetReference.GetProperty("parameter_shapes").EnumerateArray().Select(s => s.EnumerateArray().Select(d => d.GetInt32()).ToArray());
        Assert.Equal(shapes, net.Parameters().Select(p => p.Shape));
        Assert.Equal(NetReference.GetProperty("repr").GetString(), net.ToString());
    }

    [Fact]
    public void ParametersAreTheRegisteredObjectsEachOnce()
    {
        var net = new Net();
        var ps = net.Parameters().ToList();
        Assert.Same(((Linear)net.Features[0]).Weight, ps[0]);
        Assert.Same(net.Head.Weight, ps[4]);
        Assert.Equal(ps.Count, ps.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.All(ps, p => Assert.True(p.IsLeaf && p.RequiresGrad));
        Assert.Equal(["weight"], net.Head.Parameters(recurse: false).Select(_ => "weight"));
        Assert.Empty(net.Parameters(recurse: false));
        Assert.Equal(2, net.Buffers(recurse: false).Count());
        Assert.Equal(["features", "features.0", "features.1", "features.2", "features.3", "head", "emb"],
            net.NamedModules().Skip(1).Select(m => m.Name));
        Assert.Equal(8, net.Modules().Count());
        Assert.Equal("features.w", net.NamedModules(prefix: "features").Skip(1).First().Name[..9] + "w");
        Assert.Equal("model.features.0.weight", net.NamedParameters(prefix: "model").First().Name);
    }

    [Fact]
    public void ReprsArePyTorchs()
    {
        var reprs = Section("modules").GetProperty("reprs");
        Assert.Equal(reprs.GetProperty("Linear(4, 3)").GetString(), new Linear(4, 3).ToString());
        Assert.Equal(reprs.GetProperty("Linear(4, 3, bias=False)").GetString(), new Linear(4, 3, bias: false).ToString());
        Assert.Equal(reprs.GetProperty("BatchNorm1d(3)").GetString(), new BatchNorm1d(3).ToString());
        Assert.Equal(reprs.GetProperty("BatchNorm1d(3, eps=0.001, momentum=None, affine=False)").GetString(),
            new BatchNorm1d(3, eps: 0.001, momentum: null, affine: false).ToString());
        Assert.Equal(reprs.GetProperty("Dropout()").GetString(), new Dropout().ToString());
        Assert.Equal(reprs.GetProperty("Dropout(0.25)").GetString(), new Dropout(0.25).ToString());
        Assert.Equal(reprs.GetProperty("Embedding(10, 4)").GetString(), new Embedding(10, 4).ToString());
        Assert.Equal(reprs.GetProperty("Embedding(10, 4, sparse=True)").GetString(), new Embedding(10, 4, sparse: true).ToString());
        Assert.Equal(reprs.GetProperty("Flatten()").GetString(), new Flatten().ToString());
        Assert.Equal(reprs.GetProperty("ReLU()").GetString(), new ReLU().ToString());
        Assert.Equal(reprs.GetProperty("Tanh()").GetString(), new Tanh().ToString());
        Assert.Equal(reprs.GetProperty("Sigmoid()").GetString(), new Sigmoid().ToString());
    }

    [Fact]
    public void RegistrationErrorsArePyTorchs()
    {
        var m = new Bare();
        Assert.Equal(ErrorMessage("register_parameter_dot"), Assert.Throws<ArgumentException>(() => m.RegisterParameter("a.b", null)).Message);
        Assert.Equal(ErrorMessage("register_buffer_empty"), Assert.Throws<ArgumentException>(() => m.RegisterBuffer("", null)).Message);
        Assert.Equal(ErrorMessage("add_module_dot"), Assert.Throws<ArgumentException>(() => m.AddModule("a.b", new ReLU())).Message);
        m.AddModule("x", new ReLU());
        Assert.Equal(ErrorMessage("register_buffer_existing_module"), Assert.Throws<ArgumentException>(() => m.RegisterBuffer("x", null)).Message);
        Assert.Throws<ArgumentException>(() => m.RegisterParameter("x", null));
    }

    [Fact]
    public void RegisteringAgainReplacesInPlaceAndNoneIsSkipped()
    {
        var m = new Bare();
        var p1 = new Parameter(Torch.Zeros(2));
        var p2 = new Parameter(Torch.Ones(2));
        m.RegisterParameter("first", p1);
        m.RegisterParameter("none", null);
        m.RegisterParameter("last", p2);
        m.RegisterParameter("first", p2); // same slot, so the order is unchanged
        Assert.Equal(["first", "last"], m.NamedParameters(removeDuplicate: false).Select(p => p.Name));
        Assert.Same(p2, m.Param("first"));
        Assert.Null(m.Param("none"));
        Assert.Equal(["first"], m.NamedParameters().Select(p => p.Name)); // p2 listed once
        Assert.Throws<KeyNotFoundException>(() => m.Param("missing"));
    }

    [Fact]
    public void TrainAndEvalReachEveryDescendant()
    {
        var net = new Net();
        Assert.All(net.Modules(), m => Assert.True(m.Training));
        Assert.Same(net, net.Eval());
        Assert.All(net.Modules(), m => Assert.False(m.Training));
        net.Train();
        Assert.All(net.Modules(), m => Assert.True(m.Training));
        net.Features.Train(false);
        Assert.True(net.Training);
        Assert.False(net.Features[1].Training);
    }

    [Fact]
    public void ZeroGradDropsOrZeroesGradients()
    {
        var net = new Sequential(new Linear(3, 2), new ReLU(), new Linear(2, 1));
        net.Call(Torch.Randn([4, 3], generator: new Generator(1))).Sum().Backward();
        Assert.All(net.Parameters(), p => Assert.NotNull(p.Grad));
        var grads = net.Parameters().Select(p => p.Grad!).ToList();
        net.ZeroGrad(setToNone: false);
        Assert.Equal(grads, net.Parameters().Select(p => p.Grad!)); // the same tensors, zeroed
        Assert.All(grads, g => Assert.All(g.ToDoubleArray(), v => Assert.Equal(0.0, v)));
        net.ZeroGrad();
        Assert.All(net.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void ApplyVisitsChildrenBeforeParents()
    {
        var net = new Sequential(new Linear(1, 1), new Sequential(new ReLU(), new Tanh()));
        var seen = new List<string>();
        Assert.Same(net, net.Apply(m => seen.Add(m.GetType().Name)));
        Assert.Equal(["Linear", "ReLU", "Tanh", "Sequential", "Sequential"], seen);
    }

    [Fact]
    public void RequiresGradFreezesParameters()
    {
        var net = new Sequential(new Linear(2, 2), new Linear(2, 1));
        net[0].RequiresGrad_(false);
        Assert.Equal([false, false, true, true], net.Parameters().Select(p => p.RequiresGrad));
        net.Call(Torch.Ones(1, 2)).Sum().Backward();
        Assert.Null(((Linear)net[0]).Weight.Grad);
        Assert.NotNull(((Linear)net[1]).Weight.Grad);
    }
}
