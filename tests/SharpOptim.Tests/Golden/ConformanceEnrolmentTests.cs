using System.Reflection;
using SharpOptim.Optim;
using SharpOptim.Tests.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// The conformance harness enrols every algorithm of <see cref="OptimizerRegistry"/>, as PyTorch's
/// tests enrol every <c>OptimizerInfo</c> of <c>optim_db</c>: a registered algorithm has a test
/// class on <see cref="OptimizerConformance{T}"/> under its fixture prefix, whose fixtures hold
/// recorded trajectories and state dicts, and, when it has a differentiable path, one on
/// <see cref="DifferentiableConformance{T}"/> with recorded runs. An algorithm that cannot be
/// enrolled in a suite is listed in <see cref="Exempt"/> with the reason.
/// </summary>
public class ConformanceEnrolmentTests
{
    private const string Trajectories = "trajectories", Differentiable = "differentiable";

    /// <summary>(fixture prefix, suite) → why that registered algorithm is not on that suite.</summary>
    private static readonly Dictionary<(string Prefix, string Suite), string> Exempt = new()
    {
        [("lbfgs", Trajectories)] = "its step calls a closure many times; LbfgsConformanceTests replays every recorded closure evaluation instead of one gradient per step",
        [("sparse_adam", Trajectories)] = "its gradients are sparse; SparseAdamConformanceTests replays the recorded sparse gradients of its own embedding problem",
    };

    public static TheoryData<string> Registered => new(OptimizerRegistry.All.Select(info => info.FixturePrefix));

    [Theory]
    [MemberData(nameof(Registered))]
    public void EveryRegisteredAlgorithmReplaysPyTorchsTrajectories(string prefix)
    {
        var info = OptimizerRegistry.Get(prefix);
        if (Exempt.ContainsKey((prefix, Trajectories))) return;
        var algorithm = EnrolledIn(typeof(OptimizerConformance<>), prefix);
        Assert.True(algorithm is not null,
            $"{info.Name} is registered but no test class derives from OptimizerConformance<T> with FixturePrefix \"{prefix}\"; enrol it (docs/adding-an-optimizer.md §4) or list it in Exempt with the reason");
        Assert.Equal(info.Name, Static<string>(algorithm, nameof(IConformanceAlgorithm.Name)));
        var suite = typeof(OptimizerConformance<>).MakeGenericType(algorithm);
        Assert.NotEmpty(Static<IEnumerable<object[]>>(suite, nameof(OptimizerConformance<SgdConformanceTests>.TrajectoryCases)));
        Assert.NotEmpty(Static<IEnumerable<object[]>>(suite, nameof(OptimizerConformance<SgdConformanceTests>.StateDictCases)));
    }

    [Theory]
    [MemberData(nameof(Registered))]
    public void EveryDifferentiableAlgorithmReplaysPyTorchsDifferentiableRuns(string prefix)
    {
        var info = OptimizerRegistry.Get(prefix);
        if (!info.Supports(ImplementationChoice.Differentiable) || Exempt.ContainsKey((prefix, Differentiable))) return;
        var algorithm = EnrolledIn(typeof(DifferentiableConformance<>), prefix);
        Assert.True(algorithm is not null,
            $"{info.Name} has a differentiable path but no test class derives from DifferentiableConformance<T> with FixturePrefix \"{prefix}\"; record its differentiable runs and enrol it, or list it in Exempt with the reason");
        Assert.NotEmpty(Static<IEnumerable<object[]>>(typeof(DifferentiableConformance<>).MakeGenericType(algorithm), nameof(DifferentiableConformance<SgdConformanceTests>.Cases)));
    }

    /// <summary>An exemption names a registered algorithm and a suite it is really missing from, so none outlives its reason.</summary>
    [Fact]
    public void EveryExemptionIsStillNeeded()
    {
        foreach (var ((prefix, suite), reason) in Exempt)
        {
            Assert.True(OptimizerRegistry.TryGet(prefix, out var info) && info.FixturePrefix == prefix, $"exempt {prefix} is not a registered fixture prefix");
            Assert.False(string.IsNullOrWhiteSpace(reason));
            var harness = suite switch
            {
                Trajectories => typeof(OptimizerConformance<>),
                Differentiable => typeof(DifferentiableConformance<>),
                _ => throw new InvalidDataException($"unknown suite {suite}"),
            };
            Assert.True(EnrolledIn(harness, prefix) is null, $"{prefix} is exempt from the {suite} suite but enrolled in it: remove the exemption");
        }
    }

    /// <summary>The algorithm type <c>T</c> of the test class deriving from <paramref name="harness"/>&lt;T&gt; for <paramref name="prefix"/>, if any.</summary>
    private static Type? EnrolledIn(Type harness, string prefix)
        => typeof(ConformanceEnrolmentTests).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == harness)
            .Select(t => t.BaseType!.GetGenericArguments()[0])
            .SingleOrDefault(algorithm => Static<string>(algorithm, nameof(IConformanceAlgorithm.FixturePrefix)) == prefix);

    private static T Static<T>(Type type, string member)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Static | BindingFlags.FlattenHierarchy;
        object? value = type.GetProperty(member, flags) is { } property ? property.GetValue(null) : type.GetMethod(member, flags, Type.EmptyTypes)!.Invoke(null, null);
        return (T)value!;
    }
}
