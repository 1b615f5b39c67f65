namespace SharpOptim.NN;

/// <summary>
/// A lookup table of <see cref="NumEmbeddings"/> vectors of size <see cref="EmbeddingDim"/>,
/// as <c>torch.nn.Embedding</c>: int64 indices of any shape in, their rows out. The weight
/// starts as N(0, 1). With <see cref="Sparse"/> the weight's gradient is a sparse COO tensor
/// holding only the rows looked up (for SGD, Adagrad and SparseAdam).
/// </summary>
public sealed class Embedding : Module
{
    /// <summary>A table of <paramref name="numEmbeddings"/> vectors of size <paramref name="embeddingDim"/>, as <c>torch.nn.Embedding(num_embeddings, embedding_dim, sparse=...)</c>; the weight is drawn from N(0, 1) with the default generator.</summary>
    /// <param name="numEmbeddings">Number of rows (the vocabulary size); indices run from 0 to this − 1.</param>
    /// <param name="embeddingDim">Size of each vector.</param>
    /// <param name="sparse">Whether the weight's gradient is a sparse COO tensor of the rows looked up.</param>
    /// <param name="dtype">The weight's dtype; <see cref="Torch.DefaultDType"/> when null.</param>
    public Embedding(int numEmbeddings, int embeddingDim, bool sparse = false, DType? dtype = null)
    {
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        Sparse = sparse;
        RegisterParameter("weight", new Parameter(Torch.Empty([numEmbeddings, embeddingDim], dtype)));
        ResetParameters();
    }

    /// <summary>Number of rows in the table (PyTorch's <c>num_embeddings</c>).</summary>
    public int NumEmbeddings { get; }

    /// <summary>Size of each vector (PyTorch's <c>embedding_dim</c>).</summary>
    public int EmbeddingDim { get; }

    /// <summary>Whether backward gives <see cref="Weight"/> a sparse gradient (PyTorch's <c>sparse</c>); only SGD, Adagrad and SparseAdam accept one.</summary>
    public bool Sparse { get; }

    /// <summary>The table, shape (<see cref="NumEmbeddings"/>, <see cref="EmbeddingDim"/>).</summary>
    public Parameter Weight => GetParameter("weight")!;

    /// <summary>weight ~ N(0, 1) from the default generator.</summary>
    public void ResetParameters() => Init.Normal_(Weight);

    /// <inheritdoc/>
    /// <remarks>Input: int64 indices of any shape; output: that shape + (<see cref="EmbeddingDim"/>), in the weight's dtype.</remarks>
    /// <exception cref="ArgumentException">Indices that are not int64.</exception>
    /// <exception cref="IndexOutOfRangeException">An index outside [0, <see cref="NumEmbeddings"/>).</exception>
    public override Tensor Forward(Tensor input) => Functional.Embedding(input, Weight, Sparse);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}" + (Sparse ? ", sparse=True" : "");
}
