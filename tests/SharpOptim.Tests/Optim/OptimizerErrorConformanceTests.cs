using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// PyTorch's error cases for the Optimizer base class and SGD (tools/golden/sgd.py →
/// optimizer_errors.json): each recorded case is reproduced here in C# and must fail with
/// PyTorch's message, or warn, or succeed with PyTorch's result.
/// </summary>
public class OptimizerErrorConformanceTests
{
    private static readonly Parameter P = new(Torch.Randn([1, 1], generator: new Generator(1)));
    private static readonly Parameter P2 = new(Torch.Randn([1, 1], generator: new Generator(2)));

    /// <summary>
    /// Cases the C# type system rules out before anything runs, each with its C# spelling, which
    /// <see cref="PreventedCasesDoNotCompile"/> proves does not compile: params are
    /// <see cref="OptimizerParams"/> (no bare tensor, no set, no number), AddParamGroup takes a
    /// ParamGroup (which always has params), and a step pre-hook can only return StepArgs or null.
    /// PyTorch accepts a top-level set only because it turns it into a list (in the set's
    /// arbitrary order) before its set check.
    /// </summary>
    private static readonly Dictionary<string, string> PreventedByTypes = new()
    {
        ["params_bare_tensor"] = "_ = new SGD(w);",
        ["params_set_top_level"] = "_ = new SGD(new HashSet<Tensor> { w });",
        ["params_set_in_group"] = "_ = new SGD([new ParamGroup(new HashSet<Tensor> { w })]);",
        ["non_tensor_param"] = "_ = new SGD([1.0]);",
        ["add_param_group_not_dict"] = "opt.AddParamGroup([b]);",
        ["add_param_group_missing_params_key"] = "opt.AddParamGroup(new ParamGroup() { [\"lr\"] = 0.1 });",
        ["step_pre_hook_bad_return"] = "opt.RegisterStepPreHook((optimizer, args) => 5);",
    };

    [Fact]
    public void PreventedCasesDoNotCompile()
    {
        Assert.Subset(Recorded().Select(r => (string)r[0]).ToHashSet(), PreventedByTypes.Keys.ToHashSet());
        var snippets = PreventedByTypes.Values.ToList();
        var errors = SharpOptim.Tests.Api.CompileCheck.Errors(["opt.AddParamGroup(new ParamGroup([b]));", .. snippets]);
        Assert.Empty(errors[0]);
        for (int i = 0; i < snippets.Count; i++)
            Assert.True(errors[i + 1].Count > 0, $"{snippets[i]} compiles");
    }

    private static readonly Dictionary<string, Action> Cases = new()
    {
        ["params_empty_list"] = () => _ = new SGD([]),
        ["params_duplicate_in_group"] = () => _ = new SGD([P, P]),
        ["params_in_two_groups"] = () => _ = new SGD([new ParamGroup([P]), new ParamGroup([P])]),
        ["tensor_lr_not_1_element"] = () => _ = new SGD([P], lr: Torch.Tensor([0.001f, 0.001f])),
        ["named_params_some_missing"] = () => _ = new SGD([("weight", P), P2]),
        ["named_groups_mixed_with_names"] = () => _ = new SGD([new ParamGroup([P]) { ["lr"] = 1e-2 }, new ParamGroup([("weight", P2)])]),
        ["named_groups_mixed_without_names"] = () => _ = new SGD([new ParamGroup([("weight", P)]) { ["lr"] = 1e-2 }, new ParamGroup([P2])]),
        ["non_leaf_tensor"] = () => _ = new SGD([P.Mul(2)]),
        ["required_default_missing"] = () => _ = new RequiredLrOptimizer([P]),
        ["add_param_group_duplicate_param"] = () => new SGD([P]).AddParamGroup(new ParamGroup([P])),
        ["load_state_dict_group_count"] = () => new SGD([P]).LoadStateDict(new SGD([new ParamGroup([P]), new ParamGroup([P2])]).StateDict()),
        ["load_state_dict_group_size"] = () => new SGD([P]).LoadStateDict(new SGD([P, P2]).StateDict()),
        ["sgd_negative_lr"] = () => _ = new SGD([P], lr: -0.1),
        ["sgd_negative_tensor_lr"] = () => _ = new SGD([P], lr: Torch.Tensor(-0.1)),
        ["sgd_negative_momentum"] = () => _ = new SGD([P], lr: 1e-2, momentum: -0.5),
        ["sgd_negative_weight_decay"] = () => _ = new SGD([P], weightDecay: -1),
        ["sgd_nesterov_without_momentum"] = () => _ = new SGD([P], nesterov: true),
        ["sgd_nesterov_with_dampening"] = () => _ = new SGD([P], momentum: 0.9, dampening: 0.5, nesterov: true),
        ["sgd_fused_and_foreach"] = () => _ = new SGD([P], fused: true, @foreach: true),
        ["sgd_fused_and_differentiable"] = () => _ = new SGD([P], fused: true, differentiable: true),
        ["sgd_fused_sparse_grad"] = () => SparseStep(fused: true),
        ["sgd_sparse_grad_momentum_weight_decay"] = () => SparseStep(momentum: 0.9, weightDecay: 0.1, steps: 2),
    };

    private sealed class RequiredLrOptimizer(OptimizerParams ps) : Optimizer(ps, new() { ["lr"] = Required })
    {
        protected override void StepGroup(ParamGroup group) { }
    }

    /// <summary>PyTorch's sparse-gradient snippet: q = [[1,2],[3,4]], grad entries (0,1)=0.5 and (1,0)=-1.</summary>
    private static (Parameter Q, SGD Optimizer) SparseStep(bool? fused = null, double momentum = 0, double weightDecay = 0, int steps = 1)
    {
        var q = new Parameter(Torch.Tensor([1f, 2f, 3f, 4f], [2, 2]));
        q.Grad = Torch.SparseCooTensor(Torch.Tensor([0L, 1L, 1L, 0L], [2, 2]), Torch.Tensor([0.5f, -1f]), [2, 2]);
        var optimizer = new SGD([q], lr: 0.1, momentum: momentum, weightDecay: weightDecay, fused: fused);
        for (int i = 0; i < steps; i++) optimizer.Step();
        return (q, optimizer);
    }

    public static IEnumerable<object[]> Recorded()
        => Fixture.Load("optimizer_errors.json").AsArray().Select(c => new object[] { c!["name"]!.GetValue<string>() });

    [Theory]
    [MemberData(nameof(Recorded))]
    public void BehavesAsPyTorch(string name)
    {
        var record = Fixture.Load("optimizer_errors.json").AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
        if (PreventedByTypes.ContainsKey(name)) return;
        if (name.StartsWith("sgd_sparse_grad", StringComparison.Ordinal) && record["kind"]!.GetValue<string>() == "ok")
        {
            CheckSparseResult(name, record);
            return;
        }
        Assert.True(Cases.ContainsKey(name), $"no C# reproduction for recorded case {name}");
        RecordedErrorCheck.AssertBehavesAsRecorded(record, Cases[name]);
    }

    private static void CheckSparseResult(string name, JsonNode record)
    {
        var (q, optimizer) = name switch
        {
            "sgd_sparse_grad" => SparseStep(),
            "sgd_sparse_grad_momentum" => SparseStep(momentum: 0.9, steps: 2),
            _ => throw new InvalidOperationException(name),
        };
        var result = record["result"]!;
        if (result is JsonArray pair)
        {
            Tolerance.AssertClose(q, Fixture.TaggedTensor(pair[0]!).ToDoubleArray(), DType.Float32, $"{name} param");
            var buffer = (Tensor)optimizer.State[q]["momentum_buffer"]!;
            Tolerance.AssertClose(buffer.ToDense(), Fixture.TaggedTensor(pair[1]!).ToDoubleArray(), DType.Float32, $"{name} buffer");
        }
        else Tolerance.AssertClose(q, Fixture.TaggedTensor(result).ToDoubleArray(), DType.Float32, $"{name} param");
    }
}
