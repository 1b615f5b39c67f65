using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// An algorithm's <c>differentiable: true</c> runs against PyTorch's (<c>&lt;prefix&gt;_differentiable.sofx</c>):
/// each case is replayed by the procedure PyTorch followed when it was recorded (the fixture's
/// <c>"procedure"</c>, see <see cref="DifferentiableProcedures"/>), and the values and gradients
/// through the steps must be PyTorch's, or the backward must fail where PyTorch's failed.
/// An algorithm enrols with a one-line class deriving from this.
/// </summary>
public abstract class DifferentiableConformance<T> where T : IConformanceAlgorithm
{
    /// <summary>The fixture, e.g. <c>nadam_differentiable.sofx</c>.</summary>
    public static string Recorded => $"{T.FixturePrefix}_differentiable.sofx";

    public static IEnumerable<object[]> Cases()
        => Fixture.Load(Recorded)["cases"]!.AsArray().Select(c => new object[] { c!["id"]!.GetValue<string>() });

    [Theory]
    [MemberData(nameof(Cases))]
    public void DifferentiableStepsMatchPyTorch(string id)
    {
        var root = Fixture.Load(Recorded);
        Assert.Equal(T.Name, root["optimizer"]!.GetValue<string>());
        var testCase = root["cases"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!.AsObject();
        switch (root["procedure"]!.GetValue<string>())
        {
            case "x_g_feedback":
                DifferentiableProcedures.XgFeedback(root, testCase, (ps, k) => T.Build(ps, k, OptimizerPath.Reference with { Differentiable = true }));
                break;
            case "pytorch_diff_fn_chain":
                DifferentiableProcedures.DiffFnChain(testCase, (ps, k) => T.Build(ps, k, OptimizerPath.Default with { Differentiable = true }));
                break;
            case "recorded_grads":
                DifferentiableProcedures.RecordedGrads(root, testCase, (ps, k) => T.Build(ps, k, OptimizerPath.Default with { Differentiable = true }));
                break;
            case var other:
                Assert.Fail($"{Recorded}: unknown procedure {other}");
                break;
        }
    }
}
