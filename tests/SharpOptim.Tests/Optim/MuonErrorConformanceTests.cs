using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// PyTorch's invalid Muon calls (muon_errors.json, tools/golden/muon.py), each reproduced in C#:
/// the same exception kind and message. PyTorch's complex-parameter error is not recorded
/// (SharpOptim has no complex dtype).
/// </summary>
public class MuonErrorConformanceTests : RecordedErrorConformance<MuonErrorConformanceTests>, IRecordedErrors
{
    private static Parameter P() => new(Torch.Randn([1, 1], generator: new Generator(1)));

    public static string ErrorFixture => "muon_errors.json";

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>
    {
        ["muon_negative_lr"] = () => _ = new Muon([P()], lr: -0.1),
        ["muon_nan_lr"] = () => _ = new Muon([P()], lr: double.NaN),
        ["muon_negative_tensor_lr"] = () => _ = new Muon([P()], lr: Torch.Tensor(-0.1)),
        ["muon_tensor_lr_not_1_element"] = () => _ = new Muon([P()], lr: Torch.Tensor([0.01f, 0.01f])),
        ["muon_negative_momentum"] = () => _ = new Muon([P()], momentum: -0.5),
        ["muon_negative_weight_decay"] = () => _ = new Muon([P()], weightDecay: -0.1),
        ["muon_unsupported_adjust_lr_fn"] = () => _ = new Muon([P()], adjustLrFn: "arbitrary"),
        ["muon_1d_param"] = () => _ = new Muon([new Parameter(Torch.Randn(3))]),
        ["muon_0d_param"] = () => _ = new Muon([new Parameter(Torch.Tensor(1.0))]),
        ["muon_3d_param"] = () => _ = new Muon([P(), new Parameter(Torch.Randn(2, 3, 4))]),
        ["muon_1d_param_in_second_group"] = () => _ = new Muon([new ParamGroup([P()]), new ParamGroup([new Parameter(Torch.Randn(3))])]),
        ["muon_1d_param_added_later"] = () =>
        {
            var optimizer = new Muon([P()]);
            var b = new Parameter(Torch.Randn(3));
            optimizer.AddParamGroup(new ParamGroup([b]));
            b.Grad = Torch.OnesLike(b);
            optimizer.Step();
        },
        ["muon_ns_steps_100"] = () => StepOnce(new Muon([P()], nsSteps: 100)),
        ["muon_ns_steps_99_ok"] = () => StepOnce(new Muon([P()], nsSteps: 99)),
        ["muon_two_ns_coefficients"] = () => StepOnce(new Muon([new ParamGroup([P()]) { ["ns_coefficients"] = new List<object?> { 1.0, 2.0 } }])),
        ["muon_sparse_grad"] = () =>
        {
            var q = new Parameter(Torch.Tensor([1f, 2f, 3f, 4f], [2, 2]));
            q.Grad = Torch.SparseCooTensor(Torch.Tensor([0L, 1L, 1L, 0L], [2, 2]), Torch.Tensor([0.5f, -1f]), [2, 2]);
            new Muon([q]).Step();
        },
    };

    /// <summary>PyTorch's <c>p.grad = torch.ones_like(p); opt.step()</c>.</summary>
    private static void StepOnce(Muon optimizer)
    {
        foreach (var p in optimizer.ParamGroups[0].Params) p.Grad = Torch.OnesLike(p);
        optimizer.Step();
    }
}
