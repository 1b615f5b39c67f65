using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>An algorithm with a <c>capturable</c> flag, and the recorded case that checks it.</summary>
public interface ICapturableAlgorithm : IConformanceAlgorithm
{
    /// <summary>A recorded for-loop case that <c>capturable: true</c> must reproduce unchanged.</summary>
    static abstract string CapturableCaseId { get; }
}

/// <summary>
/// <c>capturable: true</c> is accepted and changes nothing on the CPU (its math exists for CUDA
/// graphs; PyTorch refuses to step it on CPU tensors): on each path the recorded case still
/// reproduces PyTorch's run, bit for bit as without the flag, and the flag is stored.
/// An algorithm enrols with a one-line class deriving from this.
/// </summary>
public abstract class CapturableConformance<T> where T : ICapturableAlgorithm
{
    [Theory]
    [InlineData("reference")]
    [InlineData("foreach")]
    [InlineData("default")]
    public void CapturableChangesNothingOnTheCpu(string pathName)
    {
        var trajectories = OptimizerConformance<T>.Trajectories;
        var path = OptimizerPath.Named(pathName);
        var testCase = TrajectoryCheck.Case(trajectories, T.CapturableCaseId);
        var (optimizer, problem) = TrajectoryCheck.Replay(trajectories, testCase, OptimizerConformance<T>.Factory(path with { Capturable = true }));
        Assert.True(optimizer.ParamGroups[0].GetBool("capturable"));
        var (plain, plainProblem) = TrajectoryCheck.Replay(trajectories, testCase, OptimizerConformance<T>.Factory(path));
        TrajectoryCheck.AssertIdentical(plain, plainProblem, optimizer, problem, $"{T.CapturableCaseId} capturable on {pathName}");
    }
}
