using System.Text.Json;
using SharpOptim.Optim;
using Xunit;
using Xunit.Abstractions;

namespace SharpOptim.Distributed.Tests;

public class ZeroRedundancyOptimizerTests(ITestOutputHelper output)
{
    /// <summary>Every registered algorithm but those that need a closure (LBFGS) or sparse gradients (SparseAdam) or train/eval modes (Schedule-Free), which ZeRO refuses.</summary>
    private static readonly string[] Sharded = OptimizerRegistry.All
        .Where(ZeroRedundancyOptimizer.CanShard).Select(info => info.FixturePrefix).ToArray();

    /// <summary>
    /// For SGD, Adam, AdamW, RMSprop, Adagrad, Adafactor and Muon, and the other element-wise
    /// algorithms (Adadelta, Adamax, ASGD, NAdam, RAdam, Rprop), each with a StepLR schedule and
    /// a step hook on the ZeRO optimizer: parameters bit-identical to DDP with the unsharded
    /// optimizer at every step; the consolidated state dict saves to the same bytes as the
    /// unsharded one; a fresh ZeRO loaded from it continues bit-identically; each rank holds 1/N
    /// of Adam's state on a balanced model; LBFGS and SparseAdam are refused, and so is a step
    /// after AddParamGroup.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void EqualsDdpWithTheUnshardedOptimizerBitForBit(int ranks)
    {
        using var folder = new TempFolder();
        var result = MpiRun.Succeed(ranks, "zero", folder.Path);
        foreach (var name in Sharded) Assert.Equal(ranks, result.Results($"zero_{name}").Count);
        Assert.Equal(ranks, result.Results("zero").Count);
        string memory = result.Result("zero_state_bytes");
        output.WriteLine($"{ranks} ranks, Adam state bytes: {memory}");
        Assert.Contains($"ratio={1.0 / ranks:F4}", memory);
    }

    /// <summary>
    /// The consolidated Adam state dict written on 2 ranks is byte-identical to the committed
    /// fixture, which PyTorch loaded into torch.optim.Adam and continued from
    /// (tools/golden/zero_state_dict.py): PyTorch's parameters equal SharpOptim's bit for bit.
    /// </summary>
    [Fact]
    public void ConsolidatedStateDictLoadsInPyTorchAndResumesExactly()
    {
        using var folder = new TempFolder();
        string written = Path.Combine(folder.Path, "zero_adam_consolidated.pt");
        MpiRun.Succeed(2, "zero", folder.Path, written);
        string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "zero_adam_consolidated.pt");
        Assert.True(File.ReadAllBytes(fixture).AsSpan().SequenceEqual(File.ReadAllBytes(written)),
            "the consolidated state dict differs from the fixture PyTorch checked; rerun tools/golden/zero_state_dict.py after checking why");

        var saved = Torch.Load<IReadOnlyDictionary<string, object?>>(fixture);
        var ours = (IList<object?>)saved["params_after"]!;
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "zero_adam_pytorch.json")));
        var torch = json.RootElement.GetProperty("params_after");
        Assert.Equal(ours.Count, torch.GetArrayLength());
        Assert.True(ours.Count > 0);
        for (int step = 0; step < ours.Count; step++)
        {
            var ourParams = (IList<object?>)ours[step]!;
            var torchParams = torch[step];
            Assert.Equal(ourParams.Count, torchParams.GetArrayLength());
            for (int p = 0; p < ourParams.Count; p++)
            {
                var expected = torchParams[p].EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
                Assert.Equal(expected, ((Tensor)ourParams[p]!).ToArray<float>());
            }
        }
        var groups = json.RootElement.GetProperty("loaded").GetProperty("param_groups");
        Assert.Equal([0, 1, 2, 3, 4, 5], groups[0].GetProperty("params").EnumerateArray().Select(e => e.GetInt32()));
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("sharpoptim-dist-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
