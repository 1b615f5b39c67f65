using System.Collections;

namespace SharpOptim.Distributed;

/// <summary>
/// PyTorch's <c>torch.utils.data.DistributedSampler</c>: the indices of a dataset of
/// <c>datasetLength</c> items that rank <see cref="Rank"/> of <see cref="NumReplicas"/> reads
/// in one epoch. With <c>shuffle</c> the order is a permutation drawn from a generator seeded
/// with <c>seed + epoch</c> (call <see cref="SetEpoch"/> before each epoch, as in PyTorch; the
/// permutation is SharpOptim's generator's, not PyTorch's Mersenne Twister's). The list is then
/// padded by repeating its start (or, with <c>dropLast</c>, cut) to a multiple of the replicas,
/// and rank r takes every replicas-th index from r on, so every rank gets the same number.
/// </summary>
public sealed class DistributedSampler : IEnumerable<int>
{
    private readonly int _datasetLength;
    private readonly bool _shuffle;
    private readonly bool _dropLast;

    /// <param name="datasetLength">The number of items (PyTorch's <c>len(dataset)</c>).</param>
    /// <param name="numReplicas">The number of ranks; the process group's world size when null.</param>
    /// <param name="rank">This rank; the process group's rank when null.</param>
    /// <param name="shuffle">Draw a new order each epoch (else the dataset's order).</param>
    /// <param name="seed">The same on every rank: the order is drawn from <c>seed + epoch</c>.</param>
    /// <param name="dropLast">Cut the tail instead of padding with repeated indices.</param>
    public DistributedSampler(int datasetLength, int? numReplicas = null, int? rank = null, bool shuffle = true, long seed = 0, bool dropLast = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(datasetLength);
        NumReplicas = numReplicas ?? Dist.GetWorldSize();
        Rank = rank ?? Dist.GetRank();
        if (NumReplicas < 1) throw new ArgumentOutOfRangeException(nameof(numReplicas), NumReplicas, "num_replicas must be positive");
        if (Rank >= NumReplicas || Rank < 0)
            throw new ArgumentException($"Invalid rank {Rank}, rank should be in the interval [0, {NumReplicas - 1}]", nameof(rank));
        _datasetLength = datasetLength;
        _shuffle = shuffle;
        _dropLast = dropLast;
        Seed = seed;
        NumSamples = dropLast && datasetLength % NumReplicas != 0
            ? (int)Math.Ceiling((double)(datasetLength - NumReplicas) / NumReplicas)
            : (datasetLength + NumReplicas - 1) / NumReplicas;
        TotalSize = NumSamples * NumReplicas;
    }

    /// <summary>The number of ranks the dataset is split between (PyTorch's <c>num_replicas</c>).</summary>
    public int NumReplicas { get; }

    /// <summary>The rank whose share this sampler yields, 0 to <see cref="NumReplicas"/> − 1.</summary>
    public int Rank { get; }

    /// <summary>The base seed of the shuffle, the same on every rank (PyTorch's <c>seed</c>).</summary>
    public long Seed { get; }

    /// <summary>The epoch the next enumeration shuffles for.</summary>
    public int Epoch { get; private set; }

    /// <summary>Indices per rank per epoch (PyTorch's <c>len(sampler)</c>).</summary>
    public int NumSamples { get; }

    /// <summary>Indices over all ranks per epoch, after padding or cutting.</summary>
    public int TotalSize { get; }

    /// <summary>Sets the epoch, so that each epoch draws a different order (the same on every rank).</summary>
    public void SetEpoch(int epoch) => Epoch = epoch;

    /// <summary>This rank's <see cref="NumSamples"/> dataset indices for epoch <see cref="Epoch"/>; enumerating again gives the same order until <see cref="SetEpoch"/> changes it.</summary>
    public IEnumerator<int> GetEnumerator()
    {
        int[] order = _shuffle
            ? Torch.RandPerm(_datasetLength, new Generator(Seed + Epoch)).ToArray<long>().Select(i => (int)i).ToArray()
            : Enumerable.Range(0, _datasetLength).ToArray();
        return ((IEnumerable<int>)Subsample(order)).GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Pads or cuts <paramref name="order"/> to <see cref="TotalSize"/> and takes this rank's share.</summary>
    internal int[] Subsample(IReadOnlyList<int> order)
    {
        var indices = new List<int>(TotalSize);
        if (!_dropLast)
        {
            indices.AddRange(order);
            int padding = TotalSize - order.Count;
            for (int i = 0; i < padding; i++) indices.Add(order[i % order.Count]);   // PyTorch repeats the list as often as needed
        }
        else indices.AddRange(order.Take(TotalSize));
        var mine = new int[NumSamples];
        for (int i = 0; i < NumSamples; i++) mine[i] = indices[Rank + i * NumReplicas];
        return mine;
    }
}
