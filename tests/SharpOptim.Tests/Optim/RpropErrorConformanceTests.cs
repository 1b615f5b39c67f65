using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>Rprop's recorded constructor and step-time cases (rprop_errors.json, tools/golden/adaptive.py).</summary>
public class RpropErrorConformanceTests : RecordedErrorConformance<RpropErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "rprop_errors.json";

    private static readonly Parameter P = ErrorSetups.AnyParam(1);

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>(
        CommonErrorCases.RequiresGradLr(ErrorFixture, "rprop", (ps, lr, differentiable) => new Rprop(ps, lr: lr, differentiable: differentiable)))
    {
        ["rprop_repr"] = () => RecordedResult.AssertMatches(RecordedResult.Of(ErrorFixture, "rprop_repr"), new Rprop([P]).ToString(), "rprop_repr"),
        ["rprop_negative_lr"] = () => _ = new Rprop([P], lr: -0.1),
        ["rprop_nan_lr"] = () => _ = new Rprop([P], lr: double.NaN),
        ["rprop_negative_tensor_lr"] = () => _ = new Rprop([P], lr: Torch.Tensor(-0.1, DType.Float32)),
        ["rprop_tensor_lr_not_1_element"] = () => _ = new Rprop([P], lr: Torch.Tensor([0.01f, 0.01f])),
        ["rprop_etas_swapped"] = () => _ = new Rprop([P], lr: 1e-2, etas: (1.0, 0.5)),
        ["rprop_etaminus_zero"] = () => _ = new Rprop([P], etas: (0.0, 1.2)),
        ["rprop_etaplus_one"] = () => _ = new Rprop([P], etas: (0.5, 1.0)),
        ["rprop_lr_seeds_step_size"] = () =>
        {
            const string name = "rprop_lr_seeds_step_size";
            var start = RecordedResult.TensorAt(ErrorFixture, name, 0);
            var p = new Parameter(start.Clone());
            var optimizer = new Rprop([p], lr: 0.25);
            p.Grad = Torch.OnesLike(p);
            optimizer.Step();
            optimizer.ParamGroups[0]["lr"] = 10.0;
            optimizer.Step();
            RecordedResult.AssertMatches(RecordedResult.Of(ErrorFixture, name), new object?[] { start, p, optimizer.State[p]["step_size"] }, name);
        },
        ["rprop_sparse_grad"] = CommonErrorCases.SparseRejected(ps => new Rprop(ps)),
    };
}
