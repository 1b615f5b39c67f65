using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Api;

/// <summary>
/// <see cref="OptimizerParams"/>: every form PyTorch code passes as <c>params</c> compiles and
/// builds the groups PyTorch builds from it, and a wrong argument does not compile.
/// </summary>
public class OptimizerParamsTests
{
    private static Sequential Model() => new(new Linear(3, 2), new ReLU(), new Linear(2, 1));

    /// <summary>One group's parameters (by identity) and names, as an optimizer built them.</summary>
    private static void AssertGroup(ParamGroup group, Tensor[] expected, IReadOnlyList<string>? names)
    {
        Assert.Equal(expected.Length, group.Params.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Same(expected[i], group.Params[i]);
        Assert.Equal(names, group.ParamNames);
    }

    [Fact]
    public void EachAcceptedFormBuildsTheGroupPyTorchBuilds()
    {
        var model = Model();
        Parameter[] all = [.. model.Parameters()];
        string[] names = ["0.weight", "0.bias", "2.weight", "2.bias"];
        Parameter w = all[0], b = all[1];
        Parameter[] matrices = [all[0], all[2]];

        var unnamed = new (string Form, OptimizerParams Params, Tensor[] Expected)[]
        {
            ("model.Parameters()", model.Parameters(), all),
            ("[w, b]", [w, b], [w, b]),
            ("new[] { w }", new[] { w }, [w]),
            ("List<Tensor>", new List<Tensor> { w, b }, [w, b]),
            ("List<Parameter>", model.Parameters().ToList(), all),
            ("Parameters().Where", model.Parameters().Where(p => p.Dim == 2), matrices),
            ("query syntax", from p in model.Parameters() where p.Dim == 2 select p, matrices),
            ("Concat", model[0].Parameters().Concat(model[2].Parameters()), all),
            ("spread of any sequence", [.. model.Parameters().Select(p => p).Reverse()], [.. all.Reverse()]),
        };
        foreach (var (form, ps, expected) in unnamed)
        {
            AssertGroup(Assert.Single(new SGD(ps, lr: 0.1).ParamGroups), expected, null);
            AssertGroup(new ParamGroup(ps), expected, null);
            Assert.NotNull(form);
        }

        var named = new (string Form, OptimizerParams Params, Tensor[] Expected, string[] Names)[]
        {
            ("model.NamedParameters()", model.NamedParameters(), all, names),
            ("[(\"w\", w), (\"b\", b)]", [("w", w), ("b", b)], [w, b], ["w", "b"]),
            ("NamedParameters().ToList()", model.NamedParameters().ToList(), all, names),
            ("NamedParameters().Where", model.NamedParameters().Where(np => np.Name.EndsWith("bias", StringComparison.Ordinal)), [all[1], all[3]], ["0.bias", "2.bias"]),
        };
        foreach (var (form, ps, expected, expectedNames) in named)
        {
            AssertGroup(Assert.Single(new Adam(ps, lr: 0.1).ParamGroups), expected, expectedNames);
            AssertGroup(new ParamGroup(ps), expected, expectedNames);
            Assert.NotNull(form);
        }
    }

    [Fact]
    public void GroupsKeepTheirOwnOptions()
    {
        var model = Model();
        var sgd = new SGD([new ParamGroup(model[0].Parameters()), new ParamGroup(model[2].Parameters()) { ["lr"] = 1e-3 }], lr: 0.1);
        Assert.Equal(2, sgd.ParamGroups.Count);
        Assert.Equal([0.1, 1e-3], sgd.ParamGroups.Select(g => g.Lr));
        AssertGroup(sgd.ParamGroups[1], [.. model[2].Parameters()], null);
    }

    [Fact]
    public void TheRegistryTakesTheSameParams()
    {
        var model = Model();
        foreach (var info in OptimizerRegistry.All.Where(i => !i.MatricesOnly && !i.SparseGradientsOnly))
            AssertGroup(Assert.Single(info.Create(model.NamedParameters()).ParamGroups), [.. model.Parameters()], ["0.weight", "0.bias", "2.weight", "2.bias"]);
    }

    [Fact]
    public void ModuleParametersStayLazyAndReenumerable()
    {
        var model = new Sequential(new Linear(2, 2));
        var ps = model.Parameters();
        Assert.Equal(2, ps.Count());
        model.Add(new Linear(2, 1));
        Assert.Equal(4, ps.Count());   // enumerated afresh, as each call of PyTorch's parameters() is
    }

    /// <summary>PyTorch's run-time checks stay, with its messages (its dict is our ParamGroup).</summary>
    [Fact]
    public void MixingGroupsAndTensorsIsRefusedAtRunTime()
    {
        var model = Model();
        Parameter w = model.Parameters().First();
        var group = new ParamGroup(model[2].Parameters());
        Assert.Equal("param_group must be a ParamGroup, but got Parameter (Parameter 'parameters')",
            Assert.Throws<ArgumentException>(() => new SGD([group, w])).Message);
        Assert.StartsWith("optimizer can only optimize Tensors, but one of the params is ParamGroup",
            Assert.Throws<ArgumentException>(() => new SGD([w, group])).Message);
        Assert.StartsWith("optimizer can only optimize Tensors, but one of the params is NoneType",
            Assert.Throws<ArgumentException>(() => new SGD([w, (Tensor?)null])).Message);
        Assert.StartsWith("optimizer got an empty parameter list",
            Assert.Throws<ArgumentException>(() => new SGD(model.Parameters().Where(_ => false))).Message);
        Assert.Throws<ArgumentNullException>(() => new SGD((List<Tensor>)null!));
    }

    /// <summary>The accepted forms, compiled by the same harness: the control that shows a refusal below is the argument's, not the harness's.</summary>
    private static readonly string[] Accepted =
    [
        "_ = new SGD(model.Parameters(), lr: 0.1);",
        "_ = new SGD(model.NamedParameters());",
        "_ = new SGD([w, b]);",
        "_ = new SGD(new[] { w });",
        "_ = new SGD(new List<Tensor> { w, t });",
        "_ = new SGD([new ParamGroup([w]), new ParamGroup([b]) { [\"lr\"] = 1e-3 }]);",
        "_ = new SGD([(\"w\", w), (\"b\", b)]);",
        "_ = new SGD(model.Parameters().Where(p => p.Dim > 1));",
        "_ = new ParamGroup(model.NamedParameters());",
        "_ = new SGD([.. model.Buffers()]);",
        "_ = OptimizerRegistry.Get(\"adam\").Create(model.Parameters());",
    ];

    /// <summary>Arguments PyTorch would only refuse (or misread) at run time, each with the type the compiler names.</summary>
    private static readonly (string Snippet, string Refused)[] Refused =
    [
        ("_ = new SGD(model);", "'SharpOptim.NN.Sequential' to 'SharpOptim.Optim.OptimizerParams'"),
        ("_ = new SGD(42);", "'int' to 'SharpOptim.Optim.OptimizerParams'"),
        ("_ = new SGD(new object[] { w });", "'object[]' to 'SharpOptim.Optim.OptimizerParams'"),
        ("_ = new SGD(w);", "'SharpOptim.NN.Parameter' to 'SharpOptim.Optim.OptimizerParams'"),
        ("_ = new SGD(new HashSet<Tensor> { w });", "'System.Collections.Generic.HashSet<SharpOptim.Tensor>' to 'SharpOptim.Optim.OptimizerParams'"),
        ("_ = new SGD(ImmutableHashSet.Create(w));", "'System.Collections.Immutable.ImmutableHashSet<SharpOptim.NN.Parameter>' to 'SharpOptim.Optim.OptimizerParams'"),
        ("_ = new SGD([1.0]);", "'double' to 'SharpOptim.Optim.ParamsItem'"),
        ("_ = new SGD([model]);", "'SharpOptim.NN.Sequential' to 'SharpOptim.Optim.ParamsItem'"),
        ("_ = new ParamGroup(model);", "'SharpOptim.NN.Sequential' to 'SharpOptim.Optim.OptimizerParams'"),
        ("_ = new Adam(model, lr: 1e-3);", "'SharpOptim.NN.Sequential' to 'SharpOptim.Optim.OptimizerParams'"),
        ("_ = OptimizerRegistry.Get(\"adam\").Create(model);", "'SharpOptim.NN.Sequential' to 'SharpOptim.Optim.OptimizerParams'"),
    ];

    [Fact]
    public void WrongArgumentsDoNotCompile()
    {
        var errors = CompileCheck.Errors([.. Accepted, .. Refused.Select(r => r.Snippet)]);
        for (int i = 0; i < Accepted.Length; i++)
            Assert.True(errors[i].Count == 0, $"{Accepted[i]} should compile: {string.Join("; ", errors[i])}");
        for (int i = 0; i < Refused.Length; i++)
        {
            var mine = errors[Accepted.Length + i];
            Assert.True(mine.Any(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(Refused[i].Refused, StringComparison.Ordinal)),
                $"{Refused[i].Snippet} should fail with a conversion from {Refused[i].Refused}; got: {string.Join("; ", mine)}");
        }
    }
}
