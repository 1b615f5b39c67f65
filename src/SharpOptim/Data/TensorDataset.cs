using System.Collections;

namespace SharpOptim.Data;

/// <summary>
/// Samples made of the rows of several tensors, as <c>torch.utils.data.TensorDataset</c>:
/// sample <c>i</c> is row <c>i</c> of each tensor (e.g. an input and its label). Every tensor has
/// the same size along dim 0, the number of samples.
/// </summary>
public sealed class TensorDataset : IReadOnlyList<Tensor[]>
{
    private readonly Tensor[] _tensors;

    /// <summary>A dataset over <paramref name="tensors"/>, which share their first dim's size.</summary>
    /// <exception cref="ArgumentException">No tensor, a 0-d or sparse tensor, or first dims of different sizes.</exception>
    public TensorDataset(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("TensorDataset needs at least one tensor", nameof(tensors));
        foreach (var t in tensors)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tensors));
            t.ThrowIfSparse();
            if (t.Dim == 0) throw new ArgumentException("TensorDataset's tensors need a first dim to index samples; got a 0-d tensor", nameof(tensors));
        }
        if (tensors.Any(t => t.Size(0) != tensors[0].Size(0))) throw new ArgumentException("Size mismatch between tensors", nameof(tensors));
        _tensors = (Tensor[])tensors.Clone();
    }

    /// <summary>The tensors, in the order given.</summary>
    public IReadOnlyList<Tensor> Tensors => _tensors;

    /// <summary>The number of samples (the tensors' first dim).</summary>
    public int Count => _tensors[0].Size(0);

    /// <summary>Sample <paramref name="index"/>: row <paramref name="index"/> of each tensor (views, as PyTorch's indexing).</summary>
    public Tensor[] this[int index] => Array.ConvertAll(_tensors, t => t[index]);

    /// <summary>The samples in order.</summary>
    public IEnumerator<Tensor[]> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
