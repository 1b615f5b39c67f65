using System.Collections.Frozen;
using System.Collections.Immutable;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// PyTorch refuses parameters given as a set (their order changes between runs). The check works
/// without reflection over interfaces, so it holds under trimming and Native AOT too.
/// </summary>
public class UnorderedParamsTests
{
    private static readonly Parameter A = new(Torch.Tensor([1f])), B = new(Torch.Tensor([2f]));

    public static TheoryData<string, IEnumerable<Tensor>> Sets() => new()
    {
        { "HashSet<Parameter>", new HashSet<Parameter> { A, B } },
        { "HashSet<Tensor>", new HashSet<Tensor> { A, B } },
        { "SortedSet<Parameter>", new SortedSet<Parameter>([A, B], Comparer<Parameter>.Create((x, y) => x.Item().CompareTo(y.Item()))) },
        { "ImmutableHashSet<Parameter>", ImmutableHashSet.Create(A, B) },
        { "FrozenSet<Parameter>", new[] { A, B }.ToFrozenSet() },
        { "a set class of its own", new OwnSet { A, B } },
    };

    [Theory]
    [MemberData(nameof(Sets))]
    public void SetsAreRefusedWhateverTheirElementType(string kind, IEnumerable<Tensor> parameters)
    {
        var e = Assert.Throws<ArgumentException>(() => new ParamGroup(parameters));
        Assert.StartsWith("optimizer parameters need to be organized in ordered collections", e.Message);
        Assert.Throws<ArgumentException>(() => new SGD(parameters, lr: 0.1));
        Assert.NotNull(kind);
    }

    [Fact]
    public void OrderedCollectionsAreAccepted()
    {
        Assert.Equal(2, new ParamGroup(new List<Parameter> { A, B }).Params.Count);
        Assert.Equal(2, new ParamGroup(ImmutableList.Create<Tensor>(A, B)).Params.Count);
        Assert.Equal(2, new ParamGroup(new[] { A, B }.Select(p => p)).Params.Count);
    }

    private sealed class OwnSet : HashSet<Tensor>;
}
