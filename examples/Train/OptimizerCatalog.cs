using SharpOptim.Optim;

namespace SharpOptim.Examples.Train;

/// <summary>One optimizer the example can train with.</summary>
/// <param name="Name">Its command-line name.</param>
/// <param name="DefaultLr">A learning rate that trains this MLP well (the registry's <see cref="OptimizerInfo.TrainingLr"/>).</param>
/// <param name="Describe">How the header shows it, given the lr.</param>
/// <param name="Create">
/// Builds it over the model's parameters with the given lr: the optimizer the schedulers drive,
/// and for Muon, which takes only matrices, the AdamW that PyTorch's docs pair it with for the rest.
/// </param>
/// <param name="FullBatchClosure">Steps once per epoch with a closure over the whole training set (LBFGS).</param>
public sealed record OptimizerEntry(
    string Name, double DefaultLr, Func<double, string> Describe, Func<IReadOnlyList<Tensor>, double, OptimizerSet> Create,
    bool FullBatchClosure = false);

/// <summary>The optimizer a run schedules, and any that step beside it on the parameters it cannot take.</summary>
public sealed record OptimizerSet(Optimizer Main, params Optimizer[] Others)
{
    public static implicit operator OptimizerSet(Optimizer main) => new(main);

    public IEnumerable<Optimizer> All => Others.Prepend(Main);
}

/// <summary>
/// The optimizers the example can train with, by command-line name: every algorithm of the
/// library's <see cref="OptimizerRegistry"/> that trains a dense model, with the registry's
/// training lr, in the registry's order. What this example adds to an algorithm is here.
/// </summary>
public static class OptimizerCatalog
{
    private static readonly OptimizerEntry[] Entries = OptimizerRegistry.All.Where(info => !info.SparseGradientsOnly).Select(Entry).ToArray();

    /// <summary>
    /// The registry's algorithm at its defaults, stepped once per epoch with a full-batch closure
    /// where it needs a closure; or as the example configures it.
    /// </summary>
    private static OptimizerEntry Entry(OptimizerInfo info)
    {
        var plain = new OptimizerEntry(info.Name.ToLowerInvariant(), info.TrainingLr!.Value, lr => $"{info.Name}(lr={lr})",
                                       (ps, lr) => info.Create([.. ps], lr: lr), FullBatchClosure: info.StepRequiresClosure);
        return info.Name switch
        {
            nameof(SGD) => plain with { Describe = lr => $"SGD(lr={lr}, momentum=0.9)", Create = (ps, lr) => new SGD([.. ps], lr: lr, momentum: 0.9) },
            nameof(AdamW) => plain with { Describe = lr => $"AdamW(lr={lr}, weight_decay=0.01)" },
            // Rprop adapts its steps to the sign of the full gradient: PyTorch's docs recommend full batches.
            nameof(Rprop) => plain with { Describe = lr => $"Rprop(lr={lr}), full batch", FullBatchClosure = true },
            nameof(LBFGS) => plain with
            {
                Describe = lr => $"LBFGS(lr={lr}, line_search_fn=strong_wolfe), full batch",
                Create = (ps, lr) => new LBFGS([.. ps], lr: lr, lineSearchFn: "strong_wolfe"),
            },
            // Muon takes only matrices: the biases step with the AdamW that PyTorch's docs pair it with.
            nameof(Muon) => plain with
            {
                Describe = lr => $"Muon(lr={lr}) on the weight matrices + AdamW(lr=1e-3) on the biases",
                Create = (ps, lr) => new OptimizerSet(info.Create([.. ps.Where(p => p.Dim == 2)], lr: lr), new AdamW([.. ps.Where(p => p.Dim != 2)], lr: 1e-3)),
            },
            _ => plain,
        };
    }

    /// <summary>Supported names, in the order they are listed and compared.</summary>
    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    public static bool IsSupported(string name) => Entries.Any(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    public static OptimizerEntry Get(string name) =>
        Entries.FirstOrDefault(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown optimizer '{name}'. Supported: {string.Join(", ", Names)}.");
}
