using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// LBFGS's recorded invalid calls and edge cases (tools/golden/lbfgs.py → lbfgs_errors.json): the
/// same errors with PyTorch's messages, and for the cases that succeed, PyTorch's results (loss,
/// params and state dict).
/// </summary>
public class LbfgsErrorConformanceTests : RecordedErrorConformance<LbfgsErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "lbfgs_errors.json";

    private static readonly Parameter P2 = new(Torch.Randn([1, 1], generator: new Generator(2)));

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>
    {
        ["lbfgs_negative_lr"] = () => _ = new LBFGS([Param()], lr: -0.1),
        ["lbfgs_negative_tensor_lr"] = () => _ = new LBFGS([Param()], lr: Torch.Tensor(-0.1)),
        ["lbfgs_tensor_lr_not_1_element"] = () => _ = new LBFGS([Param()], lr: Torch.Tensor([0.1f, 0.1f])),
        ["lbfgs_two_param_groups"] = () => _ = new LBFGS([new ParamGroup([Param()]), new ParamGroup([P2])]),
        ["lbfgs_step_without_closure"] = () => new LBFGS([Param()]).Step(),
        ["lbfgs_added_group_then_step"] = () =>
        {
            var p = Param();
            var optimizer = new LBFGS([p]);
            optimizer.AddParamGroup(new ParamGroup([P2]));
            optimizer.Step(SmoothLoss(optimizer, p));
        },
        ["lbfgs_unknown_line_search_fn"] = () =>
        {
            var p = Param();
            var optimizer = new LBFGS([p], lineSearchFn: "backtracking");
            optimizer.Step(SmoothLoss(optimizer, p));
        },
        ["lbfgs_repr"] = () => Assert.Equal(RecordedResult("lbfgs_repr").GetValue<string>(), new LBFGS([Param()], lr: 0.5, lineSearchFn: "strong_wolfe").ToString()),
        ["lbfgs_defaults"] = () => AssertResult("lbfgs_defaults", new LBFGS([Param()]).StateDict()),
        ["lbfgs_max_iter_from_max_eval"] = () => AssertResult("lbfgs_max_iter_from_max_eval", new LBFGS([Param()], maxIter: 7).StateDict()),
        ["lbfgs_empty_param_group_returns_closure_loss"] = () =>
        {
            var optimizer = new LBFGS([new ParamGroup(Array.Empty<Tensor>())]);
            var loss = optimizer.Step(() => Torch.Tensor(2.5, DType.Float32));
            AssertListResult("lbfgs_empty_param_group_returns_closure_loss", 0, loss!, optimizer.StateDict());
        },
        ["lbfgs_already_optimal"] = () =>
        {
            const string name = "lbfgs_already_optimal";
            var p = Param(name);
            var optimizer = new LBFGS([p]);
            var loss = optimizer.Step(() =>
            {
                optimizer.ZeroGrad();
                var l = p.Mul(0).Sum();
                l.Backward();
                return l;
            });
            AssertListResult(name, 1, loss!, p, optimizer.StateDict());
        },
        ["lbfgs_max_iter_zero"] = () => StepAndCompare("lbfgs_max_iter_zero", p => new LBFGS([p], maxIter: 0)),
        ["lbfgs_strong_wolfe_no_evaluations_left"] = () =>
            StepAndCompare("lbfgs_strong_wolfe_no_evaluations_left", p => new LBFGS([p], maxEval: 1, lineSearchFn: "strong_wolfe")),
        ["lbfgs_missing_and_sparse_grads"] = () =>
        {
            const string name = "lbfgs_missing_and_sparse_grads";
            var p = Param(name);
            var q = new Parameter(Torch.Tensor([1f, 2f, 3f, 4f], [2, 2]));
            var optimizer = new LBFGS([p, q], maxIter: 3);
            var loss = optimizer.Step(() =>
            {
                optimizer.ZeroGrad();
                q.Grad = Torch.SparseCooTensor(Torch.Tensor([0L, 1L, 1L, 0L], [2, 2]), Torch.Tensor([0.5f, -1f]), [2, 2]);
                return Torch.Tensor(1.0, DType.Float32);
            });
            AssertListResult(name, 1, loss!, p, q, optimizer.StateDict());
        },
    };

    /// <summary>
    /// The snippets' <c>p</c>: a 1×1 float32 parameter. Where the outcome depends on its value the
    /// case records PyTorch's (<c>torch.manual_seed(0); torch.randn(1, 1)</c>) as its result's first entry.
    /// </summary>
    private static Parameter Param(string? recordedIn = null)
        => new(recordedIn is null ? Torch.Tensor([1.5f], [1, 1]) : Fixture.TaggedTensor(Result(recordedIn)[0]!));

    private static JsonNode RecordedResult(string name)
        => Fixture.Load(ErrorFixture).AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!["result"]!;

    private static JsonArray Result(string name) => RecordedResult(name).AsArray();

    /// <summary>The snippets' closure: loss = sum((p − 3)²) + 0.1·sum(p⁴).</summary>
    private static Func<Tensor> SmoothLoss(Optimizer optimizer, Tensor p) => () =>
    {
        optimizer.ZeroGrad();
        var loss = p.Sub(3).Square().Sum().Add(p.Pow(4).Sum().Mul(0.1));
        loss.Backward();
        return loss;
    };

    private static void StepAndCompare(string name, Func<Parameter, LBFGS> create)
    {
        var p = Param(name);
        var optimizer = create(p);
        var loss = optimizer.Step(SmoothLoss(optimizer, p));
        AssertListResult(name, 1, loss!, p, optimizer.StateDict());
    }

    /// <summary>A state-dict-only result.</summary>
    private static void AssertResult(string name, OptimizerStateDict stateDict)
    {
        LbfgsFixture.AssertStateDict(stateDict, RecordedResult(name).AsObject(), DType.Float32, Tolerance.For(DType.Float32));
    }

    /// <summary>A list result from its entry <paramref name="offset"/> on (entry 0 is p's starting value where recorded): tensors and a state dict.</summary>
    private static void AssertListResult(string name, int offset, params object[] values)
    {
        var result = Result(name);
        Assert.Equal(result.Count, offset + values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            var expected = result[i + offset]!;
            switch (values[i])
            {
                case Tensor t:
                    var tensor = Fixture.TaggedTensor(expected);
                    Assert.Equal(tensor.Shape, t.Shape);
                    Tolerance.AssertClose(t, tensor.ToDoubleArray(), DType.Float32, $"{name} result {i + offset}");
                    break;
                case OptimizerStateDict sd:
                    LbfgsFixture.AssertStateDict(sd, expected.AsObject(), DType.Float32, Tolerance.For(DType.Float32));
                    break;
            }
        }
    }
}
