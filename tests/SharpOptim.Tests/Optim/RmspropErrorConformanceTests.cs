using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>RMSprop's recorded constructor and step-time cases (rmsprop_errors.json, tools/golden/adaptive.py).</summary>
public class RmspropErrorConformanceTests : RecordedErrorConformance<RmspropErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "rmsprop_errors.json";

    private static readonly Parameter P = ErrorSetups.AnyParam(1);

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>(
        CommonErrorCases.RequiresGradLr(ErrorFixture, "rmsprop", (ps, lr, differentiable) => new RMSprop(ps, lr: lr, differentiable: differentiable)))
    {
        ["rmsprop_repr"] = () => RecordedResult.AssertMatches(RecordedResult.Of(ErrorFixture, "rmsprop_repr"), new RMSprop([P]).ToString(), "rmsprop_repr"),
        ["rmsprop_negative_lr"] = () => _ = new RMSprop([P], lr: -0.1),
        ["rmsprop_nan_lr"] = () => _ = new RMSprop([P], lr: double.NaN),
        ["rmsprop_negative_tensor_lr"] = () => _ = new RMSprop([P], lr: Torch.Tensor(-0.1, DType.Float32)),
        ["rmsprop_tensor_lr_not_1_element"] = () => _ = new RMSprop([P], lr: Torch.Tensor([0.01f, 0.01f])),
        ["rmsprop_negative_eps"] = () => _ = new RMSprop([P], eps: -1e-8),
        ["rmsprop_negative_momentum"] = () => _ = new RMSprop([P], lr: 1e-2, momentum: -0.5),
        ["rmsprop_negative_weight_decay"] = () => _ = new RMSprop([P], weightDecay: -0.5),
        ["rmsprop_negative_alpha"] = () => _ = new RMSprop([P], alpha: -0.5),
        ["rmsprop_state_keys"] = () =>
        {
            var (p, p2) = (ErrorSetups.AnyParam(1), ErrorSetups.AnyParam(2));
            var plain = new RMSprop([p]);
            var full = new RMSprop([p2], momentum: 0.5, centered: true);
            p.Grad = Torch.OnesLike(p);
            p2.Grad = Torch.OnesLike(p2);
            plain.Step();
            full.Step();
            RecordedResult.AssertMatches(RecordedResult.Of(ErrorFixture, "rmsprop_state_keys"),
                new object[] { plain.State[p].Keys.ToList(), full.State[p2].Keys.ToList() }, "rmsprop_state_keys");
        },
        ["rmsprop_sparse_grad"] = CommonErrorCases.SparseRejected(ps => new RMSprop(ps)),
    };
}
