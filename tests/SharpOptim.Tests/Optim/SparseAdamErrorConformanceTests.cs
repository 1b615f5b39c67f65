using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// SparseAdam's recorded invalid calls and edge cases (tools/golden/sparse_adam.py →
/// sparse_adam_errors.json): PyTorch's errors and messages, and PyTorch's results where the call succeeds.
/// </summary>
public class SparseAdamErrorConformanceTests : RecordedErrorConformance<SparseAdamErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "sparse_adam_errors.json";

    private static Parameter P() => new(Torch.Tensor([1.5f], [1, 1]));

    /// <summary><c>torch.zeros(3, layout=torch.sparse_coo)</c>.</summary>
    private static Tensor SparseZeros() => Torch.SparseCooTensor(Torch.Zeros([1, 0], DType.Int64), Torch.Zeros([0]), [3]);

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>
    {
        ["sparse_adam_zero_lr"] = () => _ = new SparseAdam([P()], lr: 0.0),
        ["sparse_adam_negative_lr"] = () => _ = new SparseAdam([P()], lr: -0.1),
        ["sparse_adam_negative_tensor_lr"] = () => _ = new SparseAdam([P()], lr: Torch.Tensor(-0.1)),
        ["sparse_adam_tensor_lr_not_1_element"] = () => _ = new SparseAdam([P()], lr: Torch.Tensor([0.1f, 0.1f])),
        ["sparse_adam_zero_eps"] = () => _ = new SparseAdam([P()], eps: 0.0),
        ["sparse_adam_beta1_one"] = () => _ = new SparseAdam([P()], lr: 1e-2, betas: (1.0, 0.0)),
        ["sparse_adam_beta1_negative"] = () => _ = new SparseAdam([P()], betas: (-0.1, 0.999)),
        ["sparse_adam_beta2_one"] = () => _ = new SparseAdam([P()], betas: (0.9, 1.0)),
        ["sparse_adam_sparse_param"] = () => _ = new SparseAdam([SparseZeros()]),
        ["sparse_adam_sparse_param_in_second_group"] = () => _ = new SparseAdam([new ParamGroup([P()]), new ParamGroup([P(), SparseZeros()])]),
        ["sparse_adam_dense_grad"] = () =>
        {
            var p = P();
            var optimizer = new SparseAdam([p]);
            p.Grad = Torch.OnesLike(p);
            optimizer.Step();
        },
        ["sparse_adam_defaults"] = () => StateDictCheck.AssertMatches(new SparseAdam([P()]).StateDict(), Result("sparse_adam_defaults").AsObject(), DType.Float32),
        ["sparse_adam_repr"] = () => Assert.Equal(Result("sparse_adam_repr").GetValue<string>(), new SparseAdam([P()], lr: 0.5, betas: (0.8, 0.9)).ToString()),
        ["sparse_adam_duplicate_indices"] = () =>
        {
            var q = DuplicateIndexParam();
            var optimizer = new SparseAdam([q], lr: 0.1);
            optimizer.Step();
            optimizer.Step();
            AssertParamAndState("sparse_adam_duplicate_indices", q, optimizer);
        },
        ["sparse_adam_empty_grad"] = () =>
        {
            var q = new Parameter(Torch.Tensor([1f, 2f, 3f, 4f], [2, 2]));
            q.Grad = Torch.SparseCooTensor(Torch.Zeros([1, 0], DType.Int64), Torch.Zeros([0, 2]), [2, 2]);
            var optimizer = new SparseAdam([q]);
            optimizer.Step();
            AssertParamAndState("sparse_adam_empty_grad", q, optimizer);
        },
        ["sparse_adam_closure_loss"] = () =>
        {
            var q = DuplicateIndexParam();
            var loss = new SparseAdam([q]).Step(() => Torch.Tensor(1.5, DType.Float32));
            Tolerance.AssertIdentical(loss!, Fixture.TaggedTensor(Result("sparse_adam_closure_loss")), "returned loss");
        },
    };

    /// <summary>The snippets' q (3×2) with a sparse gradient whose row 2 appears twice.</summary>
    private static Parameter DuplicateIndexParam()
    {
        var q = new Parameter(Torch.Tensor([1f, 2f, 3f, 4f, 5f, 6f], [3, 2]));
        q.Grad = Torch.SparseCooTensor(Torch.Tensor([2L, 0L, 2L], [1, 3]), Torch.Tensor([0.5f, -1f, 2f, 0.25f, 1.5f, 1f], [3, 2]), [3, 2]);
        return q;
    }

    private static JsonNode Result(string name)
        => Fixture.Load(ErrorFixture).AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!["result"]!;

    private static void AssertParamAndState(string name, Tensor q, Optimizer optimizer)
    {
        var result = Result(name).AsArray();
        Tolerance.AssertClose(q, Fixture.TaggedTensor(result[0]!).ToDoubleArray(), DType.Float32, $"{name} param");
        StateDictCheck.AssertMatches(optimizer.StateDict(), result[1]!.AsObject(), DType.Float32);
    }
}
