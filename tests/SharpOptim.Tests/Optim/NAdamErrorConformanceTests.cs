using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>NAdam's recorded invalid calls, repr and state cases (tools/golden/nadam.py → nadam_errors.json).</summary>
public class NAdamErrorConformanceTests : AlgorithmErrorConformance<NAdamErrorConformanceTests>, IAlgorithmErrors
{
    public static string ErrorFixture => "nadam_errors.json";
    public static string Prefix => "nadam";

    public static SharedCaseFactory Build { get; } = (ps, lr, weightDecay, @foreach, maximize, differentiable)
        => new NAdam(ps, lr: lr, weightDecay: weightDecay, @foreach: @foreach, maximize: maximize, differentiable: differentiable);

    private static readonly Parameter P = new(Torch.Randn([1, 1], generator: new Generator(1)));

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = WithSharedCases(new()
    {
        ["nadam_negative_eps"] = () => _ = new NAdam([P], eps: -1e-8),
        ["nadam_beta1_one"] = () => _ = new NAdam([P], lr: 1e-2, betas: (1.0, 0.0)),
        ["nadam_beta1_negative"] = () => _ = new NAdam([P], betas: (-0.5, 0.999)),
        ["nadam_beta2_one"] = () => _ = new NAdam([P], betas: (0.9, 1.0)),
        ["nadam_negative_momentum_decay"] = () => _ = new NAdam([P], lr: 1e-2, momentumDecay: -0.2),
        ["nadam_first_invalid_wins"] = () => _ = new NAdam([P], lr: -1.5, eps: -1.0, momentumDecay: -1.0),
    });
}
