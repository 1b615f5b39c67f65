using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>RAdam's recorded invalid calls, repr and state cases (tools/golden/radam.py → radam_errors.json).</summary>
public class RAdamErrorConformanceTests : AlgorithmErrorConformance<RAdamErrorConformanceTests>, IAlgorithmErrors
{
    public static string ErrorFixture => "radam_errors.json";
    public static string Prefix => "radam";

    public static SharedCaseFactory Build { get; } = (ps, lr, weightDecay, @foreach, maximize, differentiable)
        => new RAdam(ps, lr: lr, weightDecay: weightDecay, @foreach: @foreach, maximize: maximize, differentiable: differentiable);

    private static readonly Parameter P = new(Torch.Randn([1, 1], generator: new Generator(1)));

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = WithSharedCases(new()
    {
        ["radam_negative_eps"] = () => _ = new RAdam([P], eps: -1e-8),
        ["radam_beta1_one"] = () => _ = new RAdam([P], lr: 1e-2, betas: (1.0, 0.0)),
        ["radam_beta2_negative"] = () => _ = new RAdam([P], betas: (0.9, -0.1)),
        ["radam_int_weight_decay"] = () => _ = new RAdam([P], lr: 1e-2, weightDecay: -1),
        ["radam_first_invalid_wins"] = () => _ = new RAdam([P], lr: -1.5, betas: (2.0, 2.0), weightDecay: -1.0),
    });
}
