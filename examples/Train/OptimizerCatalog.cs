using SharpOptim.Optim;

namespace SharpOptim.Examples.Train;

/// <summary>One optimizer the example can train with.</summary>
/// <param name="Name">Its command-line name.</param>
/// <param name="DefaultLr">A learning rate that trains this MLP well (chosen by a sweep on seed 0).</param>
/// <param name="Describe">How the header shows it, given the lr.</param>
/// <param name="Create">Builds it over the model's parameters with the given lr.</param>
/// <param name="FullBatchClosure">Steps once per epoch with a closure over the whole training set (LBFGS).</param>
public sealed record OptimizerEntry(
    string Name, double DefaultLr, Func<double, string> Describe, Func<IEnumerable<Tensor>, double, Optimizer> Create,
    bool FullBatchClosure = false);

/// <summary>The optimizers the example can train with, by command-line name.</summary>
public static class OptimizerCatalog
{
    private static readonly OptimizerEntry[] Entries =
    [
        new("sgd", 0.05, lr => $"SGD(lr={lr}, momentum=0.9)", (ps, lr) => new SGD(ps, lr: lr, momentum: 0.9)),
    ];

    /// <summary>Supported names, in the order they are listed and compared.</summary>
    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    public static bool IsSupported(string name) => Entries.Any(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    public static OptimizerEntry Get(string name) =>
        Entries.FirstOrDefault(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown optimizer '{name}'. Supported: {string.Join(", ", Names)}.");
}
