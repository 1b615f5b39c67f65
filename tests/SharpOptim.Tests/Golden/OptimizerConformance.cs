using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>Builds our optimizer for a recorded case: (params, kwargs, names of kwargs that were tensors).</summary>
public delegate Optimizer OptimizerFactory(Tensor[] parameters, JsonObject kwargs, ISet<string> tensorKwargs);

/// <summary>
/// What an algorithm's conformance tests need to know: its fixtures (written by its script in
/// tools/golden/) and how to build it from a recorded case on one of our code paths.
/// </summary>
public interface IOptimizerFixtures
{
    /// <summary>The trajectory fixture, e.g. <c>sgd_trajectories.json.gz</c>.</summary>
    static abstract string Trajectories { get; }

    /// <summary>The mid-run state-dict fixture (<c>common.record_state_dict_cases</c>).</summary>
    static abstract string StateDicts { get; }

    /// <summary>
    /// Our optimizer on <paramref name="path"/>: "reference" (<c>foreach: false</c>), "foreach"
    /// (<c>foreach: true</c>), "fused" (<c>fused: true</c>) or "default" (both null).
    /// </summary>
    static abstract OptimizerFactory Factory(string path);

    /// <summary>
    /// A looser tolerance for a recorded case on one of our paths where it truly cannot meet
    /// <see cref="Tolerance.For"/>; the algorithm's test says why, with the measured error. Null: the default.
    /// </summary>
    static virtual double? LooserTolerance(string caseId, string path) => null;

    /// <summary>
    /// False where a recorded case is not comparable with one of our paths at all (the algorithm's
    /// test says why), so it is not replayed there.
    /// </summary>
    static virtual bool Replays(string caseId, string path) => true;

    /// <summary>
    /// The relative tolerance of every replay in <paramref name="dtype"/>: the project's
    /// (<c>Tolerance.For</c>) unless an algorithm truly cannot meet it, and then its override
    /// says why, with the measured value. <see cref="LooserTolerance"/> overrides it per case.
    /// </summary>
    static virtual double TrajectoryTolerance(DType dtype) => Tolerance.For(dtype);
}

/// <summary>
/// The conformance suite every algorithm runs against its PyTorch fixtures: each recorded step
/// replayed on each of our paths, foreach ≡ reference bit for bit, and the state dict after a
/// mid-run save (layout and values, our own round trip, and PyTorch's dict loaded and continued).
/// A test class derives with its <see cref="IOptimizerFixtures"/> and inherits every test.
/// </summary>
public abstract class OptimizerConformance<T> where T : IOptimizerFixtures
{
    /// <summary>
    /// Each recorded case with each of our paths that should reproduce it: PyTorch's for-loop
    /// cases by all four of our paths (fused within tolerance), PyTorch's fused cases by our fused path.
    /// </summary>
    public static IEnumerable<object[]> TrajectoryCases()
    {
        foreach (var id in TrajectoryCheck.CaseIds(T.Trajectories))
        {
            var paths = id.Contains("/forloop/") ? new[] { "reference", "foreach", "default", "fused" } : ["fused"];
            foreach (var path in paths)
                if (T.Replays(id, path)) yield return [id, path];
        }
    }

    public static IEnumerable<object[]> ForloopCases()
        => TrajectoryCheck.CaseIds(T.Trajectories).Where(id => id.Contains("/forloop/")).Select(id => new object[] { id });

    public static IEnumerable<object[]> StateDictCases()
        => Fixture.Load(T.StateDicts)["cases"]!.AsArray().Select(c => new object[] { c!["id"]!.GetValue<string>() });

    private static double ReplayTolerance(string caseId, string path)
        => T.LooserTolerance(caseId, path) ?? ToleranceFor(TrajectoryCheck.Case(T.Trajectories, caseId));

    private static double ToleranceFor(JsonObject recorded) => T.TrajectoryTolerance(Fixture.DType(recorded["dtype"]!.GetValue<string>()));

    [Theory]
    [MemberData(nameof(TrajectoryCases))]
    public void MatchesPyTorchTrajectory(string caseId, string path)
    {
        using var _ = ErrorLog.Context($"{caseId}#{path}");
        TrajectoryCheck.Replay(T.Trajectories, TrajectoryCheck.Case(T.Trajectories, caseId), T.Factory(path), tolerance: ReplayTolerance(caseId, path));
    }

    /// <summary>The foreach kernel rounds exactly as the reference path, bit for bit.</summary>
    [Theory]
    [MemberData(nameof(ForloopCases))]
    public void ForeachKernelIsBitIdenticalToReference(string caseId)
    {
        var testCase = TrajectoryCheck.Case(T.Trajectories, caseId);
        var (reference, refProblem) = TrajectoryCheck.Replay(T.Trajectories, testCase, T.Factory("reference"), tolerance: ReplayTolerance(caseId, "reference"));
        var (kernel, kernelProblem) = TrajectoryCheck.Replay(T.Trajectories, testCase, T.Factory("foreach"), tolerance: ReplayTolerance(caseId, "foreach"));
        for (int i = 0; i < refProblem.Params.Length; i++)
        {
            Tolerance.AssertIdentical(kernelProblem.Params[i], refProblem.Params[i], $"{caseId} param {i}");
            if (!reference.State.TryGetValue(refProblem.Params[i], out var rs)) continue;
            var ks = kernel.State[kernelProblem.Params[i]];
            Assert.Equal(rs.Keys, ks.Keys);
            foreach (var (key, value) in rs)
                StateDictCheck.AssertIdenticalValue(ks[key], value, $"{caseId} state {i}.{key}");
        }
    }

    [Theory]
    [MemberData(nameof(StateDictCases))]
    public void StateDictAtSavePointHasPyTorchsLayoutAndValues(string id)
    {
        var sc = StateDictCheck.Case(T.StateDicts, id);
        var (optimizer, _) = StateDictCheck.RunFirstPart(T.Trajectories, sc, T.Factory("default"), ToleranceFor(sc));
        StateDictCheck.AssertMatches(optimizer.StateDict(), sc["state_dict"]!.AsObject(), Fixture.DType(sc["dtype"]!.GetValue<string>()), ToleranceFor(sc));
    }

    [Theory]
    [MemberData(nameof(StateDictCases))]
    public void RoundTripMidRunContinuesAsPyTorch(string id)
    {
        var sc = StateDictCheck.Case(T.StateDicts, id);
        var (first, _) = StateDictCheck.RunFirstPart(T.Trajectories, sc, T.Factory("default"), ToleranceFor(sc));
        var saved = first.StateDict().DeepCopy();
        StateDictCheck.Continue(T.Trajectories, sc, T.Factory("default"), resumed => resumed.LoadStateDict(saved), ToleranceFor(sc));
    }

    [Theory]
    [MemberData(nameof(StateDictCases))]
    public void LoadingPyTorchsStateDictContinuesAsPyTorch(string id)
    {
        var sc = StateDictCheck.Case(T.StateDicts, id);
        StateDictCheck.Continue(T.Trajectories, sc, T.Factory("default"),
            resumed => resumed.LoadStateDict(StateDictCheck.FromJson(sc["state_dict"]!.AsObject())), ToleranceFor(sc));
    }
}
