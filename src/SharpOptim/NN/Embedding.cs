namespace SharpOptim.NN;

/// <summary>
/// A lookup table of <see cref="NumEmbeddings"/> vectors of size <see cref="EmbeddingDim"/>,
/// as <c>torch.nn.Embedding</c>: int64 indices of any shape in, their rows out. The weight
/// starts as N(0, 1). With <see cref="Sparse"/> the weight's gradient is a sparse COO tensor
/// holding only the rows looked up (for SGD, Adagrad and SparseAdam).
/// </summary>
public sealed class Embedding : Module
{
    public Embedding(int numEmbeddings, int embeddingDim, bool sparse = false, DType? dtype = null)
    {
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        Sparse = sparse;
        RegisterParameter("weight", new Parameter(Torch.Empty([numEmbeddings, embeddingDim], dtype)));
        ResetParameters();
    }

    public int NumEmbeddings { get; }

    public int EmbeddingDim { get; }

    public bool Sparse { get; }

    public Parameter Weight => GetParameter("weight")!;

    /// <summary>weight ~ N(0, 1) from the default generator.</summary>
    public void ResetParameters() => Init.Normal_(Weight);

    public override Tensor Forward(Tensor input) => Functional.Embedding(input, Weight, Sparse);

    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}" + (Sparse ? ", sparse=True" : "");
}
