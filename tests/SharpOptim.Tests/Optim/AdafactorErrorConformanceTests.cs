using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// PyTorch's invalid Adafactor calls (adafactor_errors.json, tools/golden/adafactor.py), each
/// reproduced in C#: the same exception kind and message. PyTorch's complex-parameter error is
/// not recorded (SharpOptim has no complex dtype).
/// </summary>
public class AdafactorErrorConformanceTests : RecordedErrorConformance<AdafactorErrorConformanceTests>, IRecordedErrors
{
    private static readonly Parameter P = new(Torch.Randn([1, 1], generator: new Generator(1)));

    public static string ErrorFixture => "adafactor_errors.json";

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>
    {
        ["adafactor_negative_lr"] = () => _ = new Adafactor([P], lr: -0.1),
        ["adafactor_nan_lr"] = () => _ = new Adafactor([P], lr: double.NaN),
        ["adafactor_negative_tensor_lr"] = () => _ = new Adafactor([P], lr: Torch.Tensor(-0.1)),
        ["adafactor_tensor_lr_not_1_element"] = () => _ = new Adafactor([P], lr: Torch.Tensor([0.01f, 0.01f])),
        ["adafactor_positive_beta2_decay"] = () => _ = new Adafactor([P], beta2Decay: 0.8),
        ["adafactor_negative_epsilon1"] = () => _ = new Adafactor([P], eps: (-1e-30, 1e-3)),
        ["adafactor_negative_epsilon2"] = () => _ = new Adafactor([P], eps: (null, -1e-3)),
        ["adafactor_d_below_1"] = () => _ = new Adafactor([P], d: 0.0),
        ["adafactor_negative_weight_decay"] = () => _ = new Adafactor([P], weightDecay: -0.1),
        ["adafactor_zero_lr_ok"] = () => _ = new Adafactor([P], lr: 0.0, eps: (0.0, 0.0), d: 1.0, beta2Decay: 0.0),
        ["adafactor_sparse_grad"] = () => SparseStep(@foreach: null),
        ["adafactor_sparse_grad_foreach"] = () => SparseStep(@foreach: true),
    };

    /// <summary>PyTorch's sparse-gradient snippet: q = [[1,2],[3,4]], grad entries (0,1)=0.5 and (1,0)=-1.</summary>
    private static void SparseStep(bool? @foreach)
    {
        var q = new Parameter(Torch.Tensor([1f, 2f, 3f, 4f], [2, 2]));
        q.Grad = Torch.SparseCooTensor(Torch.Tensor([0L, 1L, 1L, 0L], [2, 2]), Torch.Tensor([0.5f, -1f]), [2, 2]);
        new Adafactor([q], @foreach: @foreach).Step();
    }
}
