using SharpOptim.NN;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Distributed.Tests;

/// <summary>
/// ZeroRedundancyOptimizer refuses exactly the registered algorithms whose registry entry needs a
/// closure, sparse gradients or train/eval modes, saying which need rules it out (no MPI needed: the refusal comes
/// before any collective).
/// </summary>
public class ZeroRefusalTests
{
    public static IEnumerable<object[]> Registered() => OptimizerRegistry.All.Select(info => new object[] { info.FixturePrefix });

    [Theory]
    [MemberData(nameof(Registered))]
    public void RefusesExactlyTheAlgorithmsThatNeedAClosureOrSparseGradients(string name)
    {
        var info = OptimizerRegistry.Get(name);
        var optimizer = info.Create([new Parameter(Torch.Ones([2, 3]))], ImplementationChoice.Default);
        if (!info.StepRequiresClosure && !info.SparseGradientsOnly && !info.SwitchesTrainEvalModes)
        {
            Assert.True(ZeroRedundancyOptimizer.CanShard(info));
            ZeroRedundancyOptimizer.Refuse(optimizer);
            return;
        }
        var refusal = Assert.Throws<NotSupportedException>(() => ZeroRedundancyOptimizer.Refuse(optimizer));
        Assert.Contains($"cannot shard {info.Name}: ", refusal.Message);
        Assert.Contains(info.StepRequiresClosure ? "needs a closure" : info.SparseGradientsOnly ? "needs sparse gradients" : "needs train and eval modes", refusal.Message);
    }
}
