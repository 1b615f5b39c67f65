using System.Globalization;
using SharpOptim.Serialization;
using Xunit;
using Xunit.Abstractions;

namespace SharpOptim.Tests.Serialization;

/// <summary>
/// Deterministic fuzzing of the reader: real checkpoints (PyTorch's and ours) are mutated —
/// raw bytes anywhere in the file, or one record's bytes with the archive rebuilt around them
/// (so the CRC passes and the unpickler and tensor checks are what is exercised) — and loaded.
/// The only exception allowed is <see cref="CheckpointFormatException"/>, raised by an explicit
/// check (no inner exception); whatever does load must save again. Set
/// SHARPOPTIM_FUZZ_ITERATIONS for a longer run.
/// </summary>
public class CheckpointFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] SeedFiles =
    [
        CraftedCheckpoint.FixturePath("checkpoints", "torch", "sgd_momentum_float32.pt"),
        CraftedCheckpoint.FixturePath("checkpoints", "torch", "sgd_batchnorm_model_float64.pt"),
        CraftedCheckpoint.FixturePath("checkpoints", "torch", "values_protocol2.pt"),
        CraftedCheckpoint.FixturePath("checkpoints", "torch", "values_protocol4.pt"),
        CraftedCheckpoint.FixturePath("checkpoints", "sharpoptim_written", "values.pt"),
    ];

    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7f, 0x80, 0xff, (byte)'(', (byte)'t', (byte)'R', (byte)'.', (byte)'q', (byte)'h', 0x8a, 0x95];

    private static readonly uint[] InterestingInts = [0, 1, 0x7f, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0];

    [Fact]
    public void MutatedAndTruncatedCheckpointsFailOnlyWithTheDocumentedException()
    {
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("SHARPOPTIM_FUZZ_ITERATIONS"), CultureInfo.InvariantCulture, out var n) ? n : 3000;
        var (loaded, rejected, failures) = Run(iterations, seed: 20240607);
        output.WriteLine($"{iterations} mutated checkpoints: {loaded} loaded, {rejected} refused with CheckpointFormatException, {failures.Count} other outcomes");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.True(loaded > 0 && rejected > 0, "the mutations should both break files and leave some loadable");
    }

    internal static (int Loaded, int Rejected, List<string> Failures) Run(int iterations, int seed)
    {
        var rng = new Random(seed);
        var files = SeedFiles.Select(File.ReadAllBytes).ToArray();
        var records = files.Select(CraftedCheckpoint.Records).ToArray();
        int loaded = 0, rejected = 0;
        var failures = new List<string>();
        for (int i = 0; i < iterations; i++)
        {
            int f = rng.Next(files.Length);
            string how;
            byte[] input;
            switch (i % 3)
            {
                case 0:
                    how = "raw bytes";
                    input = Mutate(files[f], rng);
                    break;
                case 1:
                    how = "data.pkl";
                    input = Rewrap(records[f], records[f].FindIndex(r => r.Name == "data.pkl"), rng);
                    break;
                default:
                    int which = rng.Next(records[f].Count);
                    how = records[f][which].Name;
                    input = Rewrap(records[f], which, rng);
                    break;
            }
            try
            {
                var value = Torch.Load(new MemoryStream(input));
                Torch.Save(value, new MemoryStream());
                loaded++;
            }
            catch (CheckpointFormatException e) when (e.InnerException is null)
            {
                rejected++;
            }
            catch (Exception e)
            {
                failures.Add($"iteration {i} ({Path.GetFileName(SeedFiles[f])}, {how}): {e.GetType().Name}: {e.Message} / {e.InnerException?.GetType().Name}: {e.InnerException?.StackTrace?.Split('\n')[0]}");
            }
        }
        return (loaded, rejected, failures);
    }

    private static byte[] Rewrap(List<(string Name, byte[] Data)> records, int which, Random rng)
    {
        var copy = records.ToList();
        copy[which] = (copy[which].Name, Mutate(copy[which].Data, rng));
        return CraftedCheckpoint.Rebuild(copy);
    }

    /// <summary>One to three edits: bit flips, interesting bytes and integers, truncation, deletion, insertion, duplication.</summary>
    private static byte[] Mutate(byte[] data, Random rng)
    {
        var bytes = new List<byte>(data);
        int edits = 1 + rng.Next(3);
        for (int e = 0; e < edits; e++)
        {
            if (bytes.Count == 0) { bytes.Add((byte)rng.Next(256)); continue; }
            int at = rng.Next(bytes.Count);
            switch (rng.Next(8))
            {
                case 0: bytes[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: bytes[at] = (byte)rng.Next(256); break;
                case 2: bytes[at] = InterestingBytes[rng.Next(InterestingBytes.Length)]; break;
                case 3:
                    if (at + 4 <= bytes.Count)
                    {
                        uint word = InterestingInts[rng.Next(InterestingInts.Length)];
                        for (int k = 0; k < 4; k++) bytes[at + k] = (byte)(word >> (8 * k));
                    }
                    break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;
                case 5: bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + rng.Next(16))); break;
                case 6: bytes.InsertRange(at, Enumerable.Range(0, 1 + rng.Next(8)).Select(_ => InterestingBytes[rng.Next(InterestingBytes.Length)])); break;
                default:
                    int length = Math.Min(bytes.Count - at, 1 + rng.Next(32));
                    bytes.InsertRange(rng.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
            }
        }
        return bytes.ToArray();
    }
}
