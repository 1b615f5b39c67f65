using System.Collections;

namespace SharpOptim.Data;

/// <summary>
/// Mini-batches of a <see cref="TensorDataset"/>, as <c>torch.utils.data.DataLoader</c> with the
/// default sampler and collation: each enumeration is one epoch, and each batch holds, for each of
/// the dataset's tensors, a new tensor of the batch's rows (so writing to a batch never changes
/// the dataset). <c>foreach (var batch in loader) { var (x, y) = (batch[0], batch[1]); ... }</c>.
/// </summary>
/// <remarks>
/// With <see cref="Shuffle"/>, every epoch draws a new order from <see cref="Generator"/>, or from
/// <see cref="Torch.DefaultGenerator"/> when none was given, so <see cref="Torch.ManualSeed"/> (and a
/// state restored with <see cref="Torch.SetRngState"/>) reproduces the epochs. The orders are not
/// PyTorch's: SharpOptim's generator is not its Mersenne Twister. Batches are made on the calling
/// thread (PyTorch's worker processes have no counterpart).
/// </remarks>
public sealed class DataLoader : IEnumerable<Tensor[]>
{
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch (the last one may be smaller, see <paramref name="dropLast"/>).</param>
    /// <param name="shuffle">Draw a new sample order every epoch instead of going in order.</param>
    /// <param name="generator">Where shuffled orders come from; null: the default generator.</param>
    /// <param name="dropLast">Leave out the last batch when it would be smaller than <paramref name="batchSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    public DataLoader(TensorDataset dataset, int batchSize = 1, bool shuffle = false, Generator? generator = null, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch_size should be a positive integer value, but got batch_size={batchSize}");
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Generator = generator;
        DropLast = dropLast;
    }

    /// <summary>The samples batched.</summary>
    public TensorDataset Dataset { get; }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch draws a new sample order.</summary>
    public bool Shuffle { get; }

    /// <summary>The generator shuffled orders come from; null for the default generator.</summary>
    public Generator? Generator { get; }

    /// <summary>Whether a last, smaller batch is left out.</summary>
    public bool DropLast { get; }

    /// <summary>Batches per epoch (PyTorch's <c>len(loader)</c>).</summary>
    public int Count => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>One epoch's batches; a shuffled loader draws the epoch's order when the enumeration starts.</summary>
    public IEnumerator<Tensor[]> GetEnumerator()
    {
        int n = Dataset.Count, batches = Count;
        var order = Shuffle ? Torch.RandPerm(n, Generator ?? Torch.DefaultGenerator) : null;
        return Batches(order, n, batches);
    }

    private IEnumerator<Tensor[]> Batches(Tensor? order, int n, int batches)
    {
        for (int b = 0; b < batches; b++)
        {
            int start = b * BatchSize, size = Math.Min(BatchSize, n - start);
            var index = order?.Narrow(0, start, size);
            yield return Dataset.Tensors.Select(t => index is null ? t.Narrow(0, start, size).Clone() : t.IndexSelect(0, index)).ToArray();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
