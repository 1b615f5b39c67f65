using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>ASGD's recorded invalid calls and reprs (tools/golden/asgd.py → asgd_errors.json).</summary>
public class AsgdErrorConformanceTests : RecordedErrorConformance<AsgdErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "asgd_errors.json";

    private static readonly Parameter P = new(Torch.Randn([1, 1], generator: new Generator(1)));

    private static readonly SharedCaseFactory Build = (ps, lr, weightDecay, @foreach, maximize, differentiable)
        => new ASGD(ps, lr: lr, weightDecay: weightDecay, @foreach: @foreach, maximize: maximize, differentiable: differentiable);

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>(SharedRecordedCases.For("asgd", Build))
    {
        ["asgd_first_invalid_wins"] = () => _ = new ASGD([P], lr: -1.5, weightDecay: -1.0),
        ["asgd_unchecked_options"] = () => _ = new ASGD([P], lambd: -1.0, alpha: -2.0, t0: -3.0),
    };

    /// <summary>
    /// PyTorch's repr, except one spelling: the default <c>t0</c> is the Python float 1e6, written
    /// <c>1000000.0</c>; options here are doubles, which the repr writes as PyTorch writes the int
    /// defaults most options have (<c>weight_decay: 0</c>), so <c>t0</c> reads <c>1000000</c>.
    /// </summary>
    [Fact]
    public void ReprMatchesPyTorchButForTheSpellingOfT0()
    {
        string Ours(FloatOrTensor? lr, bool maximize) => Build([P], lr: lr, maximize: maximize).ToString().Replace("t0: 1000000\n", "t0: 1000000.0\n");
        Assert.Equal(SharedRecordedCases.Result(ErrorFixture, "asgd_repr").GetValue<string>(), Ours(null, false));
        Assert.Equal(SharedRecordedCases.Result(ErrorFixture, "asgd_repr_tensor_lr").GetValue<string>(), Ours(Torch.Tensor(0.01), true));
    }

    [Fact]
    public void EachParameterFollowsItsOwnStepOnEveryPath() => SharedRecordedCases.AssertUnevenSteps(ErrorFixture, "asgd", Build);

    [Fact]
    public void NumbersInAnOldCheckpointLoadAsScalarTensors() => SharedRecordedCases.AssertNumbersLoadAsScalarState(ErrorFixture, "asgd", Build);
}
