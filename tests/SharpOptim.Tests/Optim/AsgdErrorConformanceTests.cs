using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>ASGD's recorded invalid calls, repr and state cases (tools/golden/asgd.py → asgd_errors.json).</summary>
public class AsgdErrorConformanceTests : AlgorithmErrorConformance<AsgdErrorConformanceTests>, IAlgorithmErrors
{
    public static string ErrorFixture => "asgd_errors.json";
    public static string Prefix => "asgd";

    public static SharedCaseFactory Build { get; } = (ps, lr, weightDecay, @foreach, maximize, differentiable)
        => new ASGD(ps, lr: lr, weightDecay: weightDecay, @foreach: @foreach, maximize: maximize, differentiable: differentiable);

    private static readonly Parameter P = new(Torch.Randn([1, 1], generator: new Generator(1)));

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = WithSharedCases(new()
    {
        ["asgd_first_invalid_wins"] = () => _ = new ASGD([P], lr: -1.5, weightDecay: -1.0),
        ["asgd_unchecked_options"] = () => _ = new ASGD([P], lambd: -1.0, alpha: -2.0, t0: -3.0),
    });

    /// <summary>
    /// One spelling differs: the default <c>t0</c> is the Python float 1e6, which PyTorch's repr
    /// writes <c>1000000.0</c>; options here are doubles, which the repr writes as PyTorch writes the
    /// int defaults most options have (<c>weight_decay: 0</c>), so ours reads <c>t0: 1000000</c>.
    /// </summary>
    public static string ReprAsPyTorchSpellsIt(string ours) => ours.Replace("\n    t0: 1000000\n", "\n    t0: 1000000.0\n", StringComparison.Ordinal);
}
