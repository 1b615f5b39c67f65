using SharpOptim.Optim;

namespace SharpOptim.Examples.Train;

/// <summary>One optimizer the example can train with.</summary>
/// <param name="Name">Its command-line name.</param>
/// <param name="DefaultLr">A learning rate that trains this MLP well (chosen by a sweep on seed 0).</param>
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

/// <summary>The optimizers the example can train with, by command-line name.</summary>
public static class OptimizerCatalog
{
    private static readonly OptimizerEntry[] Entries =
    [
        new("sgd", 0.05, lr => $"SGD(lr={lr}, momentum=0.9)", (ps, lr) => new SGD(ps, lr: lr, momentum: 0.9)),
        new("adam", 1e-3, lr => $"Adam(lr={lr})", (ps, lr) => new Adam(ps, lr: lr)),
        new("adamw", 1e-3, lr => $"AdamW(lr={lr}, weight_decay=0.01)", (ps, lr) => new AdamW(ps, lr: lr)),
        new("adamax", 2e-3, lr => $"Adamax(lr={lr})", (ps, lr) => new Adamax(ps, lr: lr)),
        new("nadam", 2e-3, lr => $"NAdam(lr={lr})", (ps, lr) => new NAdam(ps, lr: lr)),
        new("radam", 3e-3, lr => $"RAdam(lr={lr})", (ps, lr) => new RAdam(ps, lr: lr)),
        new("asgd", 0.1, lr => $"ASGD(lr={lr})", (ps, lr) => new ASGD(ps, lr: lr)),
        new("adagrad", 0.05, lr => $"Adagrad(lr={lr})", (ps, lr) => new Adagrad(ps, lr: lr)),
        new("adadelta", 1.0, lr => $"Adadelta(lr={lr})", (ps, lr) => new Adadelta(ps, lr: lr)),
        new("rmsprop", 1e-3, lr => $"RMSprop(lr={lr})", (ps, lr) => new RMSprop(ps, lr: lr)),
        // Rprop adapts its steps to the sign of the full gradient: PyTorch's docs recommend full batches.
        new("rprop", 1e-2, lr => $"Rprop(lr={lr}), full batch", (ps, lr) => new Rprop(ps, lr: lr), FullBatchClosure: true),
        new("adafactor", 1e-2, lr => $"Adafactor(lr={lr})", (ps, lr) => new Adafactor(ps, lr: lr)),
        new("lbfgs", 1.0, lr => $"LBFGS(lr={lr}, line_search_fn=strong_wolfe), full batch",
            (ps, lr) => new LBFGS(ps, lr: lr, lineSearchFn: "strong_wolfe"), FullBatchClosure: true),
        new("muon", 0.02, lr => $"Muon(lr={lr}) on the weight matrices + AdamW(lr=1e-3) on the biases",
            (ps, lr) => new OptimizerSet(new Muon(ps.Where(p => p.Dim == 2), lr: lr), new AdamW(ps.Where(p => p.Dim != 2), lr: 1e-3))),
    ];

    /// <summary>Supported names, in the order they are listed and compared.</summary>
    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    public static bool IsSupported(string name) => Entries.Any(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    public static OptimizerEntry Get(string name) =>
        Entries.FirstOrDefault(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown optimizer '{name}'. Supported: {string.Join(", ", Names)}.");
}
