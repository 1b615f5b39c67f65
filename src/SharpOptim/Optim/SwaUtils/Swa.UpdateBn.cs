using System.Collections;
using System.Runtime.CompilerServices;
using SharpOptim.NN;

namespace SharpOptim.Optim.SwaUtils;

public static partial class Swa
{
    /// <summary>
    /// Recomputes the running statistics of every <see cref="BatchNorm1d"/> in
    /// <paramref name="model"/> with one pass over <paramref name="loader"/>, as PyTorch's
    /// <c>update_bn</c>: the statistics are reset, momentum is set to null so each layer keeps
    /// the cumulative average of the batches' statistics, and the data goes through the model in
    /// training mode without recording gradients. Each layer's momentum and the model's training
    /// mode are restored afterwards (<c>model.Train(wasTraining)</c>, which sets every submodule).
    /// A model without BatchNorm returns at once, without reading the loader.
    /// </summary>
    /// <param name="loader">Batches: each a <see cref="Tensor"/>, or a list (<see cref="IList"/>) or
    /// tuple (<see cref="ITuple"/>) whose first item is the input tensor, e.g. <c>(input, target)</c>.</param>
    /// <param name="model">The model whose BatchNorm statistics are recomputed, e.g. an <see cref="AveragedModel"/>.</param>
    /// <remarks>
    /// Unlike PyTorch, momentum and training mode are also restored when a forward pass throws.
    /// </remarks>
    public static void UpdateBn(IEnumerable loader, Module model)
    {
        ArgumentNullException.ThrowIfNull(loader);
        ArgumentNullException.ThrowIfNull(model);
        var momenta = new List<(BatchNorm1d Layer, double? Momentum)>();
        foreach (var module in model.Modules())
        {
            if (module is not BatchNorm1d bn) continue;
            bn.ResetRunningStats();
            momenta.Add((bn, bn.Momentum));
        }
        if (momenta.Count == 0) return;

        bool wasTraining = model.Training;
        model.Train();
        foreach (var (bn, _) in momenta) bn.Momentum = null;
        try
        {
            using var noGrad = Torch.NoGrad();
            foreach (var batch in loader) model.Forward(InputOf(batch));
        }
        finally
        {
            foreach (var (bn, momentum) in momenta) bn.Momentum = momentum;
            model.Train(wasTraining);
        }
    }

    /// <summary>The batch itself, or the first item of a list or tuple (PyTorch's <c>input[0]</c>).</summary>
    private static Tensor InputOf(object? batch) => batch switch
    {
        Tensor t => t,
        IList { Count: > 0 } list when list[0] is Tensor first => first,
        ITuple { Length: > 0 } tuple when tuple[0] is Tensor first => first,
        _ => throw new ArgumentException(
            $"update_bn expects each batch to be a tensor, or a list or tuple whose first item is the input tensor; got {Describe(batch)}", "loader"),
    };

    private static string Describe(object? batch) => batch is null ? "null" : $"a {batch.GetType().Name}";
}
