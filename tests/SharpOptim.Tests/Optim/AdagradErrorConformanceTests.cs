using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>Adagrad's recorded constructor and step-time cases (adagrad_errors.json, tools/golden/adaptive.py).</summary>
public class AdagradErrorConformanceTests : RecordedErrorConformance<AdagradErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "adagrad_errors.json";

    private static readonly Parameter P = ErrorSetups.AnyParam(1);

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>(
        CommonErrorCases.RequiresGradLr(ErrorFixture, "adagrad", (ps, lr, differentiable) => new Adagrad(ps, lr: lr, differentiable: differentiable)))
    {
        ["adagrad_repr"] = () => RecordedResult.AssertMatches(RecordedResult.Of(ErrorFixture, "adagrad_repr"), new Adagrad([P]).ToString(), "adagrad_repr"),
        ["adagrad_negative_lr"] = () => _ = new Adagrad([P], lr: -0.1),
        ["adagrad_nan_lr"] = () => _ = new Adagrad([P], lr: double.NaN),
        ["adagrad_negative_tensor_lr"] = () => _ = new Adagrad([P], lr: Torch.Tensor(-0.1, DType.Float32)),
        ["adagrad_tensor_lr_not_1_element"] = () => _ = new Adagrad([P], lr: Torch.Tensor([0.01f, 0.01f])),
        ["adagrad_negative_lr_decay"] = () => _ = new Adagrad([P], lr: 1e-2, lrDecay: -0.5),
        ["adagrad_negative_weight_decay"] = () => _ = new Adagrad([P], weightDecay: -0.5),
        ["adagrad_negative_initial_accumulator_value"] = () => _ = new Adagrad([P], initialAccumulatorValue: -0.5),
        ["adagrad_negative_eps"] = () => _ = new Adagrad([P], eps: -1e-10),
        ["adagrad_nan_eps"] = () => _ = new Adagrad([P], eps: double.NaN),
        ["adagrad_fused_and_foreach"] = () => _ = new Adagrad([P], fused: true, @foreach: true),
        ["adagrad_fused_and_differentiable"] = () => _ = new Adagrad([P], fused: true, differentiable: true),
        ["adagrad_state_at_construction"] = () =>
        {
            var p2 = ErrorSetups.AnyParam(2);
            var optimizer = new Adagrad([P, p2], initialAccumulatorValue: 0.25);
            Check("adagrad_state_at_construction", optimizer.State[P], optimizer.State[p2]);
        },
        ["adagrad_state_of_added_group"] = () =>
        {
            var (p, p2) = (ErrorSetups.AnyParam(1), ErrorSetups.AnyParam(2));
            var optimizer = new Adagrad([p], initialAccumulatorValue: 0.25);
            optimizer.AddParamGroup(new ParamGroup([p2]) { ["initial_accumulator_value"] = 0.5 });
            int before = optimizer.State.TryGetValue(p2, out var s) ? s.Count : 0;
            p2.Grad = Torch.OnesLike(p2);
            optimizer.Step();
            Check("adagrad_state_of_added_group", before, optimizer.State[p2]);
        },
        ["adagrad_fused_sparse_grad"] = () => new Adagrad([ErrorSetups.ParamWithSparseGrad()], fused: true).Step(),
        ["adagrad_sparse_grad_weight_decay"] = () => new Adagrad([ErrorSetups.ParamWithSparseGrad()], weightDecay: 0.1).Step(),
        ["adagrad_sparse_grad"] = () => SparseSteps("adagrad_sparse_grad", ErrorSetups.ParamWithSparseGrad(), q => new Adagrad([q], lr: 0.1), 2),
        ["adagrad_sparse_grad_maximize_lr_decay"] = () => SparseSteps("adagrad_sparse_grad_maximize_lr_decay", ErrorSetups.ParamWithSparseGrad(),
            q => new Adagrad([q], lr: 0.1, lrDecay: 0.5, initialAccumulatorValue: 0.1, maximize: true), 2),
        ["adagrad_sparse_grad_uncoalesced"] = () =>
        {
            var q = new Parameter(Torch.Tensor([1f, 2f, 3f, 4f], [2, 2]));
            q.Grad = Torch.SparseCooTensor(Torch.Tensor([0L, 1L, 0L, 1L, 0L, 1L], [2, 3]), Torch.Tensor([0.5f, -1f, 0.25f]), [2, 2]);
            SparseSteps("adagrad_sparse_grad_uncoalesced", q, q => new Adagrad([q], lr: 0.1), 1);
        },
    };

    private static void SparseSteps(string name, Parameter q, Func<Parameter, Adagrad> make, int steps)
    {
        var optimizer = make(q);
        for (int i = 0; i < steps; i++) optimizer.Step();
        Check(name, q, optimizer.State[q]["sum"]);
    }

    private static void Check(string name, params object?[] actual)
        => RecordedResult.AssertMatches(RecordedResult.Of(ErrorFixture, name), actual, name);
}
