using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>An algorithm whose error fixture holds <c>recorder.shared_error_cases</c> (named <c>&lt;prefix&gt;_...</c>).</summary>
public interface IAlgorithmErrors : IRecordedErrors
{
    /// <summary>The case-name prefix, e.g. <c>nadam</c>.</summary>
    static abstract string Prefix { get; }

    /// <summary>Builds the optimizer under test for the shared cases.</summary>
    static abstract SharedCaseFactory Build { get; }

    /// <summary>Our repr made comparable with PyTorch's where a documented difference remains (default: unchanged).</summary>
    static virtual string ReprAsPyTorchSpellsIt(string ours) => ours;
}

/// <summary>
/// <see cref="RecordedErrorConformance{T}"/> plus the shared cases' recorded results: the repr,
/// each parameter's own step on every path, and numbers in an old checkpoint loaded as tensors.
/// </summary>
public abstract class AlgorithmErrorConformance<T> : RecordedErrorConformance<T> where T : IAlgorithmErrors
{
    /// <summary>The shared cases' reproductions with the algorithm's own added.</summary>
    protected static Dictionary<string, Action> WithSharedCases(Dictionary<string, Action> own)
    {
        var all = SharedRecordedCases.For(T.Prefix, T.Build);
        foreach (var (name, action) in own) all.Add(name, action);
        return all;
    }

    [Fact]
    public void ReprMatchesPyTorch() => SharedRecordedCases.AssertReprs(T.ErrorFixture, T.Prefix, T.Build, T.ReprAsPyTorchSpellsIt);

    [Fact]
    public void EachParameterFollowsItsOwnStepOnEveryPath() => SharedRecordedCases.AssertUnevenSteps(T.ErrorFixture, T.Prefix, T.Build);

    [Fact]
    public void NumbersInAnOldCheckpointLoadAsScalarTensors() => SharedRecordedCases.AssertNumbersLoadAsScalarState(T.ErrorFixture, T.Prefix, T.Build);
}
