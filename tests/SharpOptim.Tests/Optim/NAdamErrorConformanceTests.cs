using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>NAdam's recorded invalid calls and reprs (tools/golden/nadam.py → nadam_errors.json).</summary>
public class NAdamErrorConformanceTests : RecordedErrorConformance<NAdamErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "nadam_errors.json";

    private static readonly Parameter P = new(Torch.Randn([1, 1], generator: new Generator(1)));

    private static readonly SharedCaseFactory Build = (ps, lr, weightDecay, @foreach, maximize, differentiable)
        => new NAdam(ps, lr: lr, weightDecay: weightDecay, @foreach: @foreach, maximize: maximize, differentiable: differentiable);

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>(SharedRecordedCases.For("nadam", Build))
    {
        ["nadam_negative_eps"] = () => _ = new NAdam([P], eps: -1e-8),
        ["nadam_beta1_one"] = () => _ = new NAdam([P], lr: 1e-2, betas: (1.0, 0.0)),
        ["nadam_beta1_negative"] = () => _ = new NAdam([P], betas: (-0.5, 0.999)),
        ["nadam_beta2_one"] = () => _ = new NAdam([P], betas: (0.9, 1.0)),
        ["nadam_negative_momentum_decay"] = () => _ = new NAdam([P], lr: 1e-2, momentumDecay: -0.2),
        ["nadam_first_invalid_wins"] = () => _ = new NAdam([P], lr: -1.5, eps: -1.0, momentumDecay: -1.0),
    };

    [Fact]
    public void ReprMatchesPyTorch() => SharedRecordedCases.AssertReprs(ErrorFixture, "nadam", Build);

    [Fact]
    public void EachParameterFollowsItsOwnStepOnEveryPath() => SharedRecordedCases.AssertUnevenSteps(ErrorFixture, "nadam", Build);

    [Fact]
    public void NumbersInAnOldCheckpointLoadAsScalarTensors() => SharedRecordedCases.AssertNumbersLoadAsScalarState(ErrorFixture, "nadam", Build);
}
