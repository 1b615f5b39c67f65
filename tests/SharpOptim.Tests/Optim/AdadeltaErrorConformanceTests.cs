using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>Adadelta's recorded constructor and step-time cases (adadelta_errors.json, tools/golden/adaptive.py).</summary>
public class AdadeltaErrorConformanceTests : RecordedErrorConformance<AdadeltaErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "adadelta_errors.json";

    private static readonly Parameter P = ErrorSetups.AnyParam(1);

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>(
        CommonErrorCases.RequiresGradLr(ErrorFixture, "adadelta", (ps, lr, differentiable) => new Adadelta(ps, lr: lr, differentiable: differentiable)))
    {
        ["adadelta_repr"] = () => RecordedResult.AssertMatches(RecordedResult.Of(ErrorFixture, "adadelta_repr"), new Adadelta([P], lr: 0.5).ToString(), "adadelta_repr"),
        ["adadelta_negative_lr"] = () => _ = new Adadelta([P], lr: -0.1),
        ["adadelta_nan_lr"] = () => _ = new Adadelta([P], lr: double.NaN),
        ["adadelta_negative_tensor_lr"] = () => _ = new Adadelta([P], lr: Torch.Tensor(-0.1, DType.Float32)),
        ["adadelta_tensor_lr_not_1_element"] = () => _ = new Adadelta([P], lr: Torch.Tensor([0.01f, 0.01f])),
        ["adadelta_rho_above_one"] = () => _ = new Adadelta([P], lr: 1e-2, rho: 1.1),
        ["adadelta_negative_rho"] = () => _ = new Adadelta([P], rho: -0.1),
        ["adadelta_negative_eps"] = () => _ = new Adadelta([P], eps: -1e-6),
        ["adadelta_negative_weight_decay"] = () => _ = new Adadelta([P], weightDecay: -0.5),
        // rho = 1 is allowed: the averages never move, delta = √eps/√eps · g = g.
        ["adadelta_rho_one"] = () =>
        {
            var p = new Parameter(RecordedResult.TensorAt(ErrorFixture, "adadelta_rho_one", 0));
            var optimizer = new Adadelta([p], rho: 1.0);
            p.Grad = Torch.OnesLike(p);
            optimizer.Step();
            RecordedResult.AssertMatches(RecordedResult.Of(ErrorFixture, "adadelta_rho_one"),
                new object?[] { RecordedResult.TensorAt(ErrorFixture, "adadelta_rho_one", 0), p, optimizer.State[p]["square_avg"], optimizer.State[p]["acc_delta"] },
                "adadelta_rho_one");
        },
        ["adadelta_sparse_grad"] = CommonErrorCases.SparseRejected(ps => new Adadelta(ps)),
    };
}
