using System.Text.Json;
using Xunit;

namespace SharpOptim.Distributed.Tests;

/// <summary>Against tools/golden/distributed_sampler.py (PyTorch's DistributedSampler); no process group needed with explicit replicas and rank.</summary>
public class DistributedSamplerTests
{
    private static JsonDocument Fixture() => JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "distributed_sampler.json")));

    [Fact]
    public void PadsCutsAndSubsamplesAsPyTorch()
    {
        using var json = Fixture();
        int cases = 0;
        foreach (var c in json.RootElement.GetProperty("cases").EnumerateArray())
        {
            int length = c.GetProperty("length").GetInt32(), replicas = c.GetProperty("replicas").GetInt32();
            bool shuffle = c.GetProperty("shuffle").GetBoolean(), dropLast = c.GetProperty("drop_last").GetBoolean();
            long seed = c.GetProperty("seed").GetInt64();
            int epoch = c.GetProperty("epoch").GetInt32();
            for (int rank = 0; rank < replicas; rank++)
            {
                var sampler = new DistributedSampler(length, replicas, rank, shuffle, seed, dropLast);
                sampler.SetEpoch(epoch);
                var expected = c.GetProperty("ranks")[rank].EnumerateArray().Select(e => e.GetInt32()).ToArray();
                Assert.Equal(c.GetProperty("len")[rank].GetInt32(), sampler.NumSamples);
                if (shuffle)
                {
                    // PyTorch's permutation through our padding and subsampling: the same indices.
                    var permutation = c.GetProperty("permutation").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                    Assert.Equal(expected, sampler.Subsample(permutation));
                }
                else Assert.Equal(expected, sampler.ToArray());
            }
            cases++;
        }
        Assert.Equal(11, cases);
    }

    [Fact]
    public void ShuffledEpochsCoverTheDatasetOnceAndDifferBySeedAndEpoch()
    {
        int[] Epoch(int rank, long seed, int epoch)
        {
            var s = new DistributedSampler(100, 4, rank, shuffle: true, seed: seed);
            s.SetEpoch(epoch);
            return s.ToArray();
        }
        var all = Enumerable.Range(0, 4).SelectMany(r => Epoch(r, 0, 0)).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 100), all);
        Assert.Equal(Epoch(1, 0, 3), Epoch(1, 0, 3));
        Assert.NotEqual(Epoch(1, 0, 3), Epoch(1, 0, 4));
        Assert.NotEqual(Epoch(1, 0, 3), Epoch(1, 1, 3));
        Assert.Equal(Epoch(1, 1, 3), Epoch(1, 0, 4));   // seed + epoch, as PyTorch
    }

    [Fact]
    public void AnInvalidRankIsRefusedWithPyTorchsMessage()
    {
        using var json = Fixture();
        foreach (var e in json.RootElement.GetProperty("errors").EnumerateArray())
        {
            var error = Assert.Throws<ArgumentException>(() => new DistributedSampler(4, e.GetProperty("replicas").GetInt32(), e.GetProperty("rank").GetInt32()));
            Assert.StartsWith(e.GetProperty("message").GetString()!, error.Message);
        }
    }
}
