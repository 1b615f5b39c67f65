namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// The annealing strategies OneCycleLR and SWALR accept (PyTorch's <c>anneal_strategy</c>), and
/// PyTorch's check of them. Each scheduler keeps its own annealing formula: PyTorch computes the
/// two differently, and the rounding must follow each.
/// </summary>
internal static class AnnealStrategies
{
    public static readonly string[] Names = ["cos", "linear"];

    public static void Check(string strategy, string paramName)
    {
        if (!Names.Contains(strategy))
            throw new ArgumentException($"anneal_strategy must be one of 'cos' or 'linear', instead got {strategy}", paramName);
    }
}
