using System.Text.Json.Nodes;
using SharpOptim.Serialization;
using SharpOptim.Tools.CheckpointWriter;
using Xunit;

namespace SharpOptim.Tests.Serialization;

/// <summary>
/// The other direction: the files in Fixtures/checkpoints/sharpoptim_written were written by
/// tools/CheckpointWriter and checked by PyTorch (tools/golden/check_sharpoptim_files.py, its
/// REPORT.md committed beside them). The writer must still produce exactly those bytes, and the
/// manifest PyTorch checked them against must still describe what is written.
/// </summary>
public class SharpOptimWrittenCheckpointTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "checkpoints", "sharpoptim_written");

    private static readonly Lazy<IReadOnlyList<WrittenCheckpoints.Case>> Cases = new(() => WrittenCheckpoints.Build(Path.Combine(AppContext.BaseDirectory, "Fixtures")));

    public static IEnumerable<object[]> Files() => JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, "manifest.json")))!.AsArray()
        .Select(e => new object[] { e!["file"]!.GetValue<string>() });

    [Theory]
    [MemberData(nameof(Files))]
    public void WriterStillProducesTheBytesPyTorchChecked(string file)
    {
        var c = Cases.Value.Single(x => x.File == file);
        using var written = new MemoryStream();
        CheckpointWriter.Save(c.Content, written, Path.GetFileNameWithoutExtension(file));
        Assert.True(File.ReadAllBytes(Path.Combine(Dir, file)).AsSpan().SequenceEqual(written.ToArray()),
            $"{file} differs from the committed file: rerun tools/CheckpointWriter and tools/golden/check_sharpoptim_files.py");
    }

    [Fact]
    public void ManifestAndReportCoverEveryCaseAndAllPass()
    {
        var manifest = new JsonArray(Cases.Value.Select(c => (JsonNode)new JsonObject
        {
            ["file"] = c.File, ["checks"] = c.Checks.DeepClone(), ["content"] = WrittenCheckpoints.Tag(c.Content),
        }).ToArray());
        Assert.Equal(File.ReadAllText(Path.Combine(Dir, "manifest.json")), WrittenCheckpoints.ManifestText(manifest));
        var report = File.ReadAllText(Path.Combine(Dir, "REPORT.md"));
        Assert.Contains($"**{Cases.Value.Count} of {Cases.Value.Count} files pass.**", report);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void OurReaderLoadsOurFiles(string file)
    {
        var loaded = Torch.Load(Path.Combine(Dir, file));
        Assert.NotNull(loaded);
        // What comes back saves and loads again to the same values.
        using var again = new MemoryStream();
        Torch.Save(loaded, again);
        again.Position = 0;
        Assert.Equal(WrittenCheckpoints.Tag(loaded).ToJsonString(), WrittenCheckpoints.Tag(Torch.Load(again)).ToJsonString());
    }
}
