namespace SharpOptim.Examples.Train;

/// <summary>What one training run uses; the command line fills it (see Program.cs).</summary>
/// <param name="Lr">Base learning rate; null takes the optimizer's default from <see cref="OptimizerCatalog"/>.</param>
/// <param name="Swa">Average the weights over the last quarter of the epochs (SWA with SWALR).</param>
/// <param name="SwaLr">The learning rate SWALR anneals to.</param>
/// <param name="EmaDecay">Also keep an exponential moving average of the weights with this decay.</param>
/// <param name="SavePath">Write a PyTorch-format checkpoint here after every epoch.</param>
/// <param name="ResumePath">Continue the run from a checkpoint written by <paramref name="SavePath"/>.</param>
public sealed record TrainOptions(
    string Optimizer, double? Lr, int Epochs, long Seed, int BatchSize, string Scheduler = "cosine",
    bool Swa = false, double SwaLr = 0.01, double? EmaDecay = null, string? SavePath = null, string? ResumePath = null)
{
    /// <summary>SWA averages the weights from this fraction of the epochs on (PyTorch's docs use 75%).</summary>
    public const double SwaStartFraction = 0.75;

    public int SwaStart => (int)(SwaStartFraction * Epochs);

    /// <summary>The learning rate this run uses.</summary>
    public double BaseLr => Lr ?? OptimizerCatalog.Get(Optimizer).DefaultLr;
}
