namespace SharpOptim.Optim;

/// <summary>
/// The matrices one Newton–Schulz iteration on a rows × cols input works in. Muon keeps one per
/// parameter shape between steps, so that a steady-state step allocates none; the iteration
/// overwrites all of them, so one workspace serves every parameter of its shape in turn.
/// </summary>
internal sealed class NewtonSchulzWorkspace
{
    public NewtonSchulzWorkspace(int rows, int cols)
    {
        Rows = rows;
        Cols = cols;
        int n = Math.Min(rows, cols);
        Input = new float[rows * cols];
        Iterate = new float[rows * cols];
        // A tall matrix iterates on its transpose in Iterate and Spare; a wide one in Input and Iterate.
        Spare = Tall ? new float[rows * cols] : [];
        Packed = new float[rows * cols];
        Gram = new float[n * n];
        GramUpdate = new float[n * n];
    }

    public int Rows { get; }

    public int Cols { get; }

    /// <summary>More rows than columns: the iteration runs on the transpose.</summary>
    public bool Tall => Rows > Cols;

    /// <summary>The input matrix (rows × cols, row-major, bfloat16 values), filled by the caller; overwritten by the iteration.</summary>
    public float[] Input { get; }

    /// <summary>The iterate X and the next one (min(rows, cols) × max(rows, cols)).</summary>
    internal float[] Iterate { get; }

    internal float[] Spare { get; }

    /// <summary>The right operand of a product, its column panels laid out contiguously (see <see cref="BFloat16Product"/>).</summary>
    internal float[] Packed { get; }

    /// <summary>X Xᵀ and b·X Xᵀ + c·(X Xᵀ)² (min(rows, cols) squared).</summary>
    internal float[] Gram { get; }

    internal float[] GramUpdate { get; }

    /// <summary>The product's dispatch, kept so that its parallel runs allocate nothing.</summary>
    internal BFloat16Product Product { get; } = new();
}
