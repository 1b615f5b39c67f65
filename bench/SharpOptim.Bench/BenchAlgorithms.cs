using System.Text.Json.Nodes;
using SharpOptim.Optim;

namespace SharpOptim.Bench;

/// <summary>
/// The benchmarked algorithms: every one of the library's <see cref="OptimizerRegistry"/> that
/// steps flat dense tensors without a closure, at the constructor's defaults (PyTorch's, which
/// bench/torch_bench.py uses) plus the options below, which both sides are given; one group.
/// </summary>
public static class BenchAlgorithms
{
    /// <summary>Options beyond the defaults, by lower-case name, as PyTorch's keyword arguments: SGD with its momentum buffer.</summary>
    private static readonly Dictionary<string, Dictionary<string, double>> Options = new()
    {
        ["sgd"] = new() { ["momentum"] = 0.9 },
    };

    private static readonly Dictionary<string, OptimizerInfo> Table = OptimizerRegistry.All
        .Where(info => !info.MatricesOnly && !info.SparseGradientsOnly && !info.StepRequiresClosure)
        .ToDictionary(info => info.Name.ToLowerInvariant(), StringComparer.OrdinalIgnoreCase);

    /// <summary>The lower-case names, in the registry's order.</summary>
    public static IReadOnlyCollection<string> Names => Table.Keys;

    /// <summary>A comma-separated list of names ("all" or null: every one); unknown names throw, listing the known ones.</summary>
    public static string[] Parse(string? list)
    {
        var names = list is "all" or null
            ? Names.ToArray()
            : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.Where(n => !Table.ContainsKey(n)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"Unknown algorithm(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", Names)}.");
        return names;
    }

    /// <summary>
    /// The optimizer on <paramref name="path"/>. For an algorithm with no <c>fused</c> flag (PyTorch
    /// has none for it) the fused column measures the default, which runs our fused kernel.
    /// </summary>
    public static Optimizer Create(string name, IEnumerable<Tensor> parameters, ImplementationChoice path)
    {
        var info = Table[name];
        if (!info.Supports(path) && path == ImplementationChoice.Fused) path = ImplementationChoice.Default;
        var group = new ParamGroup([.. parameters]);
        foreach (var (key, value) in Options.GetValueOrDefault(name.ToLowerInvariant(), [])) group[key] = value;
        return info.Create([group], path);
    }

    /// <summary>The options beyond the defaults as PyTorch's keyword arguments, for bench/torch_bench.py.</summary>
    public static JsonObject TorchKwargs(string name)
        => new(Options.GetValueOrDefault(name.ToLowerInvariant(), []).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
}
