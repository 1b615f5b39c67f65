using SharpOptim.Optim;

namespace SharpOptim.Examples.Train;

/// <summary>What one training run uses; the command line fills it (see Program.cs).</summary>
public sealed record TrainOptions(string Optimizer, double Lr, int Epochs, long Seed, int BatchSize)
{
    public const double Momentum = 0.9;
}

/// <summary>The optimizers the example can train with, by command-line name.</summary>
public static class Optimizers
{
    private static readonly Dictionary<string, Func<IEnumerable<Tensor>, TrainOptions, Optimizer>> Factories =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["sgd"] = (ps, o) => new SGD(ps, lr: o.Lr, momentum: TrainOptions.Momentum),
        };

    /// <summary>Supported names, in the order they are listed to the user.</summary>
    public static IReadOnlyCollection<string> Names => Factories.Keys;

    public static bool IsSupported(string name) => Factories.ContainsKey(name);

    public static Optimizer Create(string name, IEnumerable<Tensor> parameters, TrainOptions options) =>
        Factories.TryGetValue(name, out var make)
            ? make(parameters, options)
            : throw new ArgumentException($"Unknown optimizer '{name}'. Supported: {string.Join(", ", Names)}.");
}
