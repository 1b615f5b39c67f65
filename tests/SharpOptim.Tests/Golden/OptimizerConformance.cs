using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>Builds our optimizer for a recorded case: (params, kwargs, names of kwargs that were tensors).</summary>
public delegate Optimizer OptimizerFactory(Tensor[] parameters, JsonObject kwargs, ISet<string> tensorKwargs);

/// <summary>
/// What the conformance suites need to know of an algorithm: its PyTorch name, the prefix of the
/// fixtures its script in tools/golden/ records, and how to build our optimizer for a recorded
/// case on one of our paths. A test class per algorithm implements this in a few lines and derives
/// from <see cref="OptimizerConformance{T}"/> (and, where recorded, enrols in
/// <see cref="DifferentiableConformance{T}"/> and <see cref="CapturableConformance{T}"/>).
/// </summary>
public interface IConformanceAlgorithm
{
    /// <summary>PyTorch's class name (the fixtures' <c>"optimizer"</c>), e.g. <c>Adam</c>.</summary>
    static abstract string Name { get; }

    /// <summary>
    /// The fixtures' prefix, e.g. <c>adam</c>: <c>adam_trajectories.sofx</c>, <c>adam_state_dict.sofx</c>
    /// and, where recorded, <c>adam_differentiable.sofx</c>.
    /// </summary>
    static abstract string FixturePrefix { get; }

    /// <summary>Our optimizer over <paramref name="parameters"/> with a recorded case's kwargs, on <paramref name="path"/>.</summary>
    static abstract Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path);

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
/// A test class derives with its <see cref="IConformanceAlgorithm"/> and inherits every test.
/// </summary>
public abstract class OptimizerConformance<T> where T : IConformanceAlgorithm
{
    /// <summary>The trajectory fixture, e.g. <c>sgd_trajectories.sofx</c>.</summary>
    public static string Trajectories => $"{T.FixturePrefix}_trajectories.sofx";

    /// <summary>The mid-run state-dict fixture (<c>recorder.record_state_dict_cases</c>).</summary>
    public static string StateDicts => $"{T.FixturePrefix}_state_dict.sofx";

    /// <summary>Our optimizer on the path named <paramref name="path"/> ("reference", "foreach", "default", "fused").</summary>
    public static OptimizerFactory Factory(string path) => Factory(OptimizerPath.Named(path));

    /// <summary>Our optimizer on <paramref name="path"/>, for the replay helpers.</summary>
    public static OptimizerFactory Factory(OptimizerPath path)
        => (parameters, kwargs, tensorKwargs) => T.Build(parameters, new RecordedKwargs(kwargs, tensorKwargs), path);

    /// <summary>
    /// Each recorded case with each of our paths that should reproduce it: PyTorch's for-loop
    /// cases by all four of our paths (fused within tolerance), PyTorch's fused cases by our fused path.
    /// </summary>
    public static IEnumerable<object[]> TrajectoryCases()
    {
        foreach (var id in TrajectoryCheck.CaseIds(Trajectories))
        {
            var paths = id.Contains("/forloop/") ? OptimizerPath.All.Select(p => p.Name) : ["fused"];
            foreach (var path in paths)
                if (T.Replays(id, path)) yield return [id, path];
        }
    }

    public static IEnumerable<object[]> ForloopCases()
        => TrajectoryCheck.CaseIds(Trajectories).Where(id => id.Contains("/forloop/")).Select(id => new object[] { id });

    public static IEnumerable<object[]> StateDictCases()
        => Fixture.Load(StateDicts)["cases"]!.AsArray().Select(c => new object[] { c!["id"]!.GetValue<string>() });

    /// <summary>The tolerance a replay of <paramref name="caseId"/> on <paramref name="path"/> is held to.</summary>
    protected static double ReplayTolerance(string caseId, string path)
        => T.LooserTolerance(caseId, path) ?? ToleranceFor(TrajectoryCheck.Case(Trajectories, caseId));

    private static double ToleranceFor(JsonObject recorded) => T.TrajectoryTolerance(Fixture.DType(recorded["dtype"]!.GetValue<string>()));

    /// <summary>Each fixture was recorded from this algorithm, by the PyTorch the fixtures pin.</summary>
    [Fact]
    public void FixturesAreThisAlgorithmsRecordings()
    {
        foreach (var name in new[] { Trajectories, StateDicts })
        {
            var root = Fixture.Load(name);
            Assert.Equal(T.Name, root["optimizer"]!.GetValue<string>());
            Assert.StartsWith("2.14.1", root["torch_version"]!.GetValue<string>());
        }
    }

    [Theory]
    [MemberData(nameof(TrajectoryCases))]
    public void MatchesPyTorchTrajectory(string caseId, string path)
    {
        using var _ = ErrorLog.Context($"{caseId}#{path}");
        TrajectoryCheck.Replay(Trajectories, TrajectoryCheck.Case(Trajectories, caseId), Factory(path), tolerance: ReplayTolerance(caseId, path));
    }

    /// <summary>The foreach kernel rounds exactly as the reference path, bit for bit.</summary>
    [Theory]
    [MemberData(nameof(ForloopCases))]
    public void ForeachKernelIsBitIdenticalToReference(string caseId)
    {
        var testCase = TrajectoryCheck.Case(Trajectories, caseId);
        var (reference, refProblem) = TrajectoryCheck.Replay(Trajectories, testCase, Factory(OptimizerPath.Reference), tolerance: ReplayTolerance(caseId, "reference"));
        var (kernel, kernelProblem) = TrajectoryCheck.Replay(Trajectories, testCase, Factory(OptimizerPath.ForeachKernel), tolerance: ReplayTolerance(caseId, "foreach"));
        TrajectoryCheck.AssertIdentical(reference, refProblem, kernel, kernelProblem, caseId);
    }

    [Theory]
    [MemberData(nameof(StateDictCases))]
    public void StateDictAtSavePointHasPyTorchsLayoutAndValues(string id)
    {
        var sc = StateDictCheck.Case(StateDicts, id);
        var (optimizer, _) = StateDictCheck.RunFirstPart(Trajectories, sc, Factory(OptimizerPath.Default), ToleranceFor(sc));
        StateDictCheck.AssertMatches(optimizer.StateDict(), sc["state_dict"]!.AsObject(), Fixture.DType(sc["dtype"]!.GetValue<string>()), ToleranceFor(sc));
    }

    [Theory]
    [MemberData(nameof(StateDictCases))]
    public void RoundTripMidRunContinuesAsPyTorch(string id)
    {
        var sc = StateDictCheck.Case(StateDicts, id);
        var (first, _) = StateDictCheck.RunFirstPart(Trajectories, sc, Factory(OptimizerPath.Default), ToleranceFor(sc));
        var saved = first.StateDict().DeepCopy();
        StateDictCheck.Continue(Trajectories, sc, Factory(OptimizerPath.Default), resumed => resumed.LoadStateDict(saved), ToleranceFor(sc));
    }

    [Theory]
    [MemberData(nameof(StateDictCases))]
    public void LoadingPyTorchsStateDictContinuesAsPyTorch(string id)
    {
        var sc = StateDictCheck.Case(StateDicts, id);
        StateDictCheck.Continue(Trajectories, sc, Factory(OptimizerPath.Default),
            resumed => resumed.LoadStateDict(StateDictCheck.FromJson(sc["state_dict"]!.AsObject())), ToleranceFor(sc));
    }
}
