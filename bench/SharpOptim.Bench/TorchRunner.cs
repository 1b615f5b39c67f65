using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpOptim.Bench;

/// <summary>
/// Runs bench/torch_bench.py through the PyTorch oracle's python, on the same shapes, in the same
/// process tree, so both sides share the machine's state. Absent oracle: <see cref="Available"/> is false.
/// <paramref name="referenceDir"/>: a folder under the repository holding reference implementations
/// of algorithms torch.optim lacks (bench/README.md says which), where torch_bench.py also looks.
/// </summary>
public sealed class TorchRunner(string pythonPath, string script, int threads, string? referenceDir = null)
{
    public static readonly string[] Impls = ["forloop", "foreach", "fused"];

    /// <summary>The oracle runs scripts relative to the current directory, which must be the repository root.</summary>
    public bool Available => _available ??= File.Exists(script) && Oracle.Answers(pythonPath);

    private bool? _available;

    public string? Version { get; private set; }

    /// <summary>PyTorch's median ms per step for each implementation, or the reason it has none.</summary>
    public Dictionary<string, (double? MedianMs, string? Error)> Run(string algorithm, BenchCase shape, Warmup warmup, int repeats)
        => RunTimes(algorithm, shape, warmup, repeats).ToDictionary(
            kv => kv.Key, kv => kv.Value.Times is { } times ? ((double?)SharpStepTimer.Median(times), (string?)null) : (null, kv.Value.Error));

    /// <summary>Each implementation's ms per timed step, or the reason it has none.</summary>
    public Dictionary<string, (double[]? Times, string? Error)> RunTimes(string algorithm, BenchCase shape, Warmup warmup, int repeats)
    {
        var request = new JsonObject
        {
            ["algorithm"] = algorithm.ToLowerInvariant(),
            ["kwargs"] = BenchAlgorithms.TorchKwargs(algorithm),
            ["count"] = shape.Count,
            ["size"] = shape.Size,
            ["dtype"] = "float32",
            ["impls"] = new JsonArray(Impls.Select(i => (JsonNode)i).ToArray()),
            ["warmup"] = warmup.Steps,
            ["warmup_seconds"] = warmup.Seconds,
            ["repeats"] = repeats,
            ["threads"] = threads,
        };
        if (referenceDir is not null) request["reference_dir"] = referenceDir;
        string stdout = ChildProcess.RunChecked(pythonPath, [script, request.ToJsonString()]).Stdout;
        var reply = JsonNode.Parse(stdout.Trim().Split('\n')[^1]) ?? throw new InvalidDataException("empty reply from torch_bench.py");
        Version = reply["torch_version"]?.GetValue<string>();
        var results = new Dictionary<string, (double[]?, string?)>();
        foreach (var (impl, value) in reply["results"]!.AsObject())
            results[impl] = value is JsonArray times
                ? (times.Select(t => t!.GetValue<double>()).ToArray(), null)
                : (null, value!.GetValue<string>());
        return results;
    }
}
