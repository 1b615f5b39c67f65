using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// An algorithm recorded by tools/golden/algorithm_fixtures.py: besides the trajectories and state
/// dicts, a differentiable fixture, and a way to build our optimizer with every flag the tests vary.
/// </summary>
public interface IAlgorithmFixtures : IOptimizerFixtures
{
    /// <summary>The differentiable fixture, e.g. <c>nadam_differentiable.json.gz</c>.</summary>
    static abstract string DifferentiableFixture { get; }

    /// <summary>A recorded for-loop case that <c>capturable: true</c> must reproduce unchanged.</summary>
    static abstract string CapturableCaseId { get; }

    /// <summary>Our optimizer for a recorded case; a non-null <paramref name="lr"/> replaces the recorded lr.</summary>
    static abstract Optimizer Build(Tensor[] parameters, RecordedKwargs kwargs, Tensor? lr, bool? @foreach, bool differentiable, bool capturable);
}

/// <summary>
/// <see cref="OptimizerConformance{T}"/> plus what such an algorithm is also checked for: its
/// differentiable runs against PyTorch's, and <c>capturable</c> as a no-op on the CPU.
/// </summary>
public abstract class AlgorithmConformance<T> : OptimizerConformance<T> where T : IAlgorithmFixtures
{
    /// <summary>Our paths as <see cref="IOptimizerFixtures.Factory"/> gives them, through <see cref="IAlgorithmFixtures.Build"/>.</summary>
    protected static OptimizerFactory FactoryFor(string path) => (parameters, kwargs, tensorKwargs)
        => T.Build(parameters, new RecordedKwargs(kwargs, tensorKwargs), lr: null, RecordedKwargs.ForeachFor(path), differentiable: false, capturable: false);

    public static IEnumerable<object[]> DifferentiableCases() => DifferentiableReplay.CaseIds(T.DifferentiableFixture);

    [Theory]
    [MemberData(nameof(DifferentiableCases))]
    public void DifferentiableStepsBackpropagateAsPyTorch(string id)
        => DifferentiableReplay.Replay(T.DifferentiableFixture, id, (ps, kwargs, tensorKwargs, lr)
            => T.Build(ps, new RecordedKwargs(kwargs, tensorKwargs), lr, @foreach: null, differentiable: true, capturable: false));

    /// <summary>
    /// <c>capturable: true</c> is accepted and changes nothing on the CPU (its math exists for CUDA
    /// graphs; PyTorch refuses to step it on CPU tensors): each path still reproduces PyTorch's run.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [InlineData(null)]
    public void CapturableChangesNothingOnTheCpu(bool? @foreach)
    {
        var testCase = TrajectoryCheck.Case(T.Trajectories, T.CapturableCaseId);
        var (optimizer, _) = TrajectoryCheck.Replay(T.Trajectories, testCase, (ps, kwargs, tensorKwargs)
            => T.Build(ps, new RecordedKwargs(kwargs, tensorKwargs), lr: null, @foreach, differentiable: false, capturable: true));
        Assert.True(optimizer.ParamGroups[0].GetBool("capturable"));
    }
}
