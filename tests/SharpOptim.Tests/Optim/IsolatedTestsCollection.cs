using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Tests that must not run beside others: a global step hook registered by one test
/// (<c>Optimizer.RegisterOptimizerStepPreHook</c>) runs on every optimizer's step in the process,
/// and would add its own allocations to the steps the allocation tests measure. xunit runs a
/// collection with parallelization disabled on its own, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedTestsCollection
{
    public const string Name = "Isolated from other tests";
}
