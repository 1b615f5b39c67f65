using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Adam, AdamW and Adamax beyond the conformance suites (<c>&lt;prefix&gt;_extras.json</c> from
/// tools/golden/adam.py and adamax.py): what PyTorch does with <c>capturable</c> on the CPU, the
/// default group, the repr, and loading older state dicts. (Their differentiable runs are in
/// <see cref="DifferentiableConformance{T}"/>.)
/// </summary>
public class AdamFamilyExtrasTests
{
    private static readonly string[] Prefixes = ["adam", "adamw", "adamax"];

    private static JsonNode Extras(string prefix) => Fixture.Load($"{prefix}_extras.json");

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

    private static Parameter RunFewSteps(string prefix, bool capturable, bool? forEach, bool? fused)
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
