using System.Text.Json;
using Xunit;

namespace SharpOptim.Distributed.Tests;

public class ParameterPartitionTests
{
    /// <summary>Each case of tools/golden/zero_partition.py: the same parameters on the same ranks, in the same order, as PyTorch's ZeroRedundancyOptimizer.</summary>
    [Fact]
    public void MatchesPyTorchsSortedGreedyPartition()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "zero_partition.json")));
        int cases = 0;
        foreach (var c in json.RootElement.GetProperty("cases").EnumerateArray())
        {
            int worldSize = c.GetProperty("world_size").GetInt32();
            var groups = c.GetProperty("sizes").EnumerateArray()
                .Select(g => (IReadOnlyList<Tensor>)g.EnumerateArray().Select(n => Torch.Zeros(n.GetInt32())).ToList()).ToList();
            var partition = ParameterPartition.SortedGreedy(groups, worldSize);
            var expected = c.GetProperty("ranks");
            for (int r = 0; r < worldSize; r++)
                for (int g = 0; g < groups.Count; g++)
                {
                    var want = expected[r][g].EnumerateArray().Select(i => i.GetInt32()).ToArray();
                    var got = partition[r][g].Select(p => groups[g].Select((q, i) => (q, i)).First(x => ReferenceEquals(x.q, p)).i).ToArray();
                    Assert.Equal(want, got);
                }
            cases++;
        }
        Assert.Equal(6, cases);
    }
}
