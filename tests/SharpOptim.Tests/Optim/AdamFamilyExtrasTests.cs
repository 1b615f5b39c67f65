using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Adam, AdamW and Adamax beyond the trajectories (<c>&lt;prefix&gt;_extras.json</c> from
/// tools/golden/adam.py and adamax.py): gradients through <c>differentiable: true</c> steps,
/// <c>capturable</c> on the CPU, the default group, the repr, and loading older state dicts.
/// </summary>
public class AdamFamilyExtrasTests
{
    private static readonly string[] Prefixes = ["adam", "adamw", "adamax"];

    private static JsonNode Extras(string prefix) => Fixture.Load($"{prefix}_extras.json");

    private static JsonNode Differentiable(string prefix) => Fixture.Load($"{prefix}_differentiable.sofx")["cases"]!;

    public static IEnumerable<object[]> DifferentiableCases()
        => Prefixes.SelectMany(prefix => Differentiable(prefix).AsArray().Select((_, i) => new object[] { prefix, i }));

    /// <summary>
    /// PyTorch's own differentiable test chained over three steps: each step a fresh optimizer on a
    /// clone of the parameter with clones of the state; then the gradient of
    /// sum(p·w) + Σ sum(state·w) with respect to the start point, every gradient fed in, and the
    /// tensor lr and betas that require grad.
    /// </summary>
    [Theory]
    [MemberData(nameof(DifferentiableCases))]
    public void DifferentiableStepsGiveAutogradPyTorchsGradients(string prefix, int index)
    {
        var record = Differentiable(prefix)[index]!;
        var kwargs = record["kwargs"]!.AsObject();
        var gradKwargs = record["grad_kwargs"]!.AsObject();
        var tensorKwargs = record["tensor_kwargs"]!.AsArray().Select(x => x!.GetValue<string>()).ToHashSet();
        var x0 = Shaped(record["x0"]!).RequiresGrad_();
        var grads = record["grads"]!.AsArray().Select(g => Shaped(g!).RequiresGrad_()).ToList();
        var w = Shaped(record["w"]!);
        Tensor Hyper(string name, double value) => Torch.Tensor(value, DType.Float64, requiresGrad: gradKwargs.ContainsKey(name));
        Tensor? lr = tensorKwargs.Contains("lr") ? Hyper("lr", Fixture.Number(kwargs["lr"])) : null;
        (Tensor, Tensor)? tensorBetas = tensorKwargs.Contains("betas")
            ? (Hyper("betas0", Fixture.Number(kwargs["betas"]![0])), Hyper("betas1", Fixture.Number(kwargs["betas"]![1])))
            : null;

        var p = x0;
        OrderedDictionary<string, object?> state = new();
        foreach (var g in grads)
        {
            p = p.Clone();
            p.Grad = g;
            var optimizer = MakeDifferentiable(prefix, p, new AdamFamilyKwargs(kwargs, new HashSet<string>()), lr, tensorBetas);
            if (state.Count > 0) optimizer.State[p] = new(state.Select(kv => KeyValuePair.Create(kv.Key, (object?)((Tensor)kv.Value!).Clone())));
            optimizer.Step();
            state = optimizer.State[p];
        }
        var loss = p.Mul(w).Sum();
        foreach (var (key, value) in state)
            if (key != "step") loss = loss.Add(((Tensor)value!).Mul(w).Sum());
        loss.Backward();

        // float64 throughout; the bias corrections PyTorch computes in float32 (a number beta to
        // the power of the float32 step counter) are reproduced exactly, so float64's tolerance holds.
        var f64 = DType.Float64;
        Tolerance.AssertClose(p, Fixture.Numbers(record["param"]), f64, "param");
        foreach (var (key, value) in record["state"]!.AsObject())
            TrajectoryCheck.AssertStateValue(state[key], value!, f64, $"state {key}");
        Tolerance.AssertClose(loss, [Fixture.Number(record["loss"])], f64, "loss");
        Tolerance.AssertClose(x0.Grad!, Fixture.Numbers(record["grad_x0"]), f64, "grad of x0");
        for (int k = 0; k < grads.Count; k++)
            Tolerance.AssertClose(grads[k].Grad!, Fixture.Numbers(record["grad_grads"]![k]), f64, $"grad of grads[{k}]");
        var hyperTensors = new Dictionary<string, Tensor?> { ["lr"] = lr, ["betas0"] = tensorBetas?.Item1, ["betas1"] = tensorBetas?.Item2 };
        foreach (var (name, expected) in gradKwargs)
        {
            var grad = hyperTensors[name]!.Grad;
            if (expected is null) Assert.Null(grad);
            else Tolerance.AssertClose(Assert.IsAssignableFrom<Tensor>(grad), [Fixture.Number(expected)], f64, $"grad of {name}");
        }
    }

    private static Tensor Shaped(JsonNode node)
        => Fixture.Tensor(node["data"], node["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray(), DType.Float64);

    private static Optimizer MakeDifferentiable(string prefix, Tensor p, AdamFamilyKwargs k, Tensor? lr, (Tensor, Tensor)? tensorBetas)
    {
        FloatOrTensor rate = lr is null ? k.Lr(prefix == "adamax" ? 2e-3 : 1e-3) : lr;
        (FloatOrTensor, FloatOrTensor)? betas = tensorBetas is var (b1, b2) ? (b1, b2) : k.Betas();
        return prefix switch
        {
            "adam" => new Adam([p], lr: rate, betas: betas, eps: k.Number("eps", 1e-8), weightDecay: k.Number("weight_decay", 0),
                               amsgrad: k.Flag("amsgrad"), maximize: k.Flag("maximize"),
                               decoupledWeightDecay: k.Flag("decoupled_weight_decay"), differentiable: true),
            "adamw" => new AdamW([p], lr: rate, betas: betas, eps: k.Number("eps", 1e-8), weightDecay: k.Number("weight_decay", 1e-2),
                                 amsgrad: k.Flag("amsgrad"), maximize: k.Flag("maximize"), differentiable: true),
            _ => new Adamax([p], lr: rate, betas: k.NumberBetas(), eps: k.Number("eps", 1e-8), weightDecay: k.Number("weight_decay", 0),
                            maximize: k.Flag("maximize"), differentiable: true),
        };
    }

    // ------------------------------------------------------------ capturable on the CPU

    public static IEnumerable<object[]> CapturableOnCpu()
        => Prefixes.SelectMany(prefix => Extras(prefix)["capturable_on_cpu"]!.AsArray()
            .Select(r => new object[] { prefix, r!["name"]!.GetValue<string>() }));

    /// <summary>
    /// PyTorch refuses <c>capturable=True</c> with CPU parameters except on its fused path (recorded);
    /// SharpOptim accepts it everywhere as a documented no-op: each of our paths computes exactly what
    /// it computes without it. The fused case also matches PyTorch's recorded result.
    /// </summary>
    [Theory]
    [MemberData(nameof(CapturableOnCpu))]
    public void CapturableIsANoOpOnTheCpu(string prefix, string name)
    {
        var record = Extras(prefix)["capturable_on_cpu"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == name)!;
        bool fused = name.Contains("_fused_");
        if (fused)
        {
            Assert.Equal("ok", record["kind"]!.GetValue<string>());
            // PyTorch's snippet: Adam([q], capturable=True, fused=True), the other options default
            var q = new Parameter(Torch.Tensor([0.5f, -1f]));
            Optimizer optimizer = prefix == "adam" ? new Adam([q], capturable: true, fused: true) : new AdamW([q], capturable: true, fused: true);
            q.Grad = Torch.Tensor([0.25f, -2f]);
            optimizer.Step();
            RecordedResult.AssertParamMatches($"{prefix}_extras.json", name, q, "capturable_on_cpu");
        }
        else
        {
            Assert.Equal("AssertionError", record["type"]!.GetValue<string>());
            Assert.StartsWith("If capturable=True, params and state_steps must be on supported devices", record["message"]!.GetValue<string>());
        }
        foreach (bool? forEach in new bool?[] { false, true, null })
        {
            var with = RunFewSteps(prefix, capturable: true, forEach, fused ? true : null);
            var without = RunFewSteps(prefix, capturable: false, forEach, fused ? true : null);
            Tolerance.AssertIdentical(with, without, $"{prefix} capturable, foreach={forEach?.ToString() ?? "None"}");
        }
    }

    private static Tensor RunFewSteps(string prefix, bool capturable, bool? forEach, bool? fused)
    {
        var p = new Parameter(Torch.Tensor([0.5, -1.0, 2.0]));
        var optimizer = MakeCapturable(prefix, p, capturable, forEach, fused);
        foreach (var g in new[] { 0.25, -2.0, 0.5 })
        {
            p.Grad = Torch.Tensor([g, g * 0.5, -g]);
            optimizer.Step();
        }
        return p;
    }

    private static Optimizer MakeCapturable(string prefix, Tensor p, bool capturable, bool? @foreach, bool? fused) => prefix switch
    {
        "adam" => new Adam([p], lr: 0.1, weightDecay: 0.1, amsgrad: true, capturable: capturable, @foreach: fused == true ? null : @foreach, fused: fused),
        "adamw" => new AdamW([p], lr: 0.1, amsgrad: true, capturable: capturable, @foreach: fused == true ? null : @foreach, fused: fused),
        _ => new Adamax([p], lr: 0.1, weightDecay: 0.1, capturable: capturable, @foreach: @foreach),
    };

    // ------------------------------------------------------------ defaults, repr, old state dicts

    private static Optimizer Bare(string prefix, Tensor p) => prefix switch
    {
        "adam" => new Adam([p]),
        "adamw" => new AdamW([p]),
        _ => new Adamax([p]),
    };

    private static JsonNode DefaultsRecord(string prefix, string name)
        => Extras(prefix)["defaults"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == name)!;

    private static JsonNode Defaults(string prefix, string name) => DefaultsRecord(prefix, name)["result"]!;

    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("adamax")]
    public void DefaultGroupMatchesPyTorch(string prefix)
        => AssertGroup(Bare(prefix, AdamErrorCases.P()).ParamGroups[0], Defaults(prefix, $"{prefix}_default_group"));

    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("adamax")]
    public void ReprMatchesPyTorch(string prefix)
        => Assert.Equal(Defaults(prefix, $"{prefix}_repr").GetValue<string>(), Bare(prefix, AdamErrorCases.P()).ToString());

    /// <summary>A state dict from an older PyTorch (groups without the newer flags) gets each flag's default, in PyTorch's order.</summary>
    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("adamax")]
    public void LoadingAnOldStateDictFillsTheMissingFlags(string prefix)
    {
        var p = AdamErrorCases.P();
        var old = Bare(prefix, p);
        p.Grad = Torch.OnesLike(p);
        old.Step();
        var saved = old.StateDict().DeepCopy();
        var record = DefaultsRecord(prefix, $"{prefix}_load_old_state_dict");
        foreach (var key in record["dropped_keys"]!.AsArray()) Assert.True(saved.ParamGroups[0].Remove(key!.GetValue<string>()));
        var optimizer = Bare(prefix, p);
        optimizer.LoadStateDict(saved);
        AssertGroup(optimizer.ParamGroups[0], record["result"]!);
    }

    /// <summary>AdamW decays decoupled whatever the loaded dict says (PyTorch's AdamW.__setstate__).</summary>
    [Fact]
    public void AdamWLoadingAnAdamStateDictStaysDecoupled()
    {
        var p = AdamErrorCases.P();
        var optimizer = new AdamW([p]);
        optimizer.LoadStateDict(new Adam([p], weightDecay: 0.1).StateDict());
        AssertGroup(optimizer.ParamGroups[0], Defaults("adamw", "adamw_load_adam_state_dict"));
    }

    private static void AssertGroup(ParamGroup group, JsonNode expected)
    {
        var options = expected.AsObject();
        Assert.Equal(options.Select(kv => kv.Key), group.Keys);
        foreach (var (key, value) in options) StateDictCheck.AssertOptionEqual(group[key], value, key);
    }
}

/// <summary>Tensor lr and betas as group options: stored as given (0-d), read each step, copied by deep copies.</summary>
public class AdamTensorHyperParameterTests
{
    [Fact]
    public void TensorBetasAreStoredZeroDimensionalAndDeepCopiesOwnThem()
    {
        var beta1 = Torch.Tensor([0.9f], [1, 1]);
        var beta2 = Torch.Tensor(0.99, DType.Float32);
        var adam = new Adam([AdamErrorCases.P()], betas: (beta1, beta2));
        var (stored1, stored2) = ((Tensor, Tensor))adam.ParamGroups[0]["betas"]!;
        Assert.Empty(stored1.Shape);
        Assert.Same(beta2, stored2);
        var (copy1, copy2) = ((Tensor, Tensor))adam.StateDict().DeepCopy().ParamGroups[0]["betas"]!;
        Assert.NotSame(stored1, copy1);
        Assert.NotSame(stored2, copy2);
        Assert.Equal(stored2.Item(), copy2.Item());
    }
}
