using SharpOptim.Autograd;

namespace SharpOptim;

// Matrix products with autograd.
public partial class Tensor
{
    private enum MatLayout { NN, NT, TN }

    /// <summary>Matrix product (n, k) · (k, m) → (n, m) of two 2-D float tensors, as <c>torch.mm</c>.</summary>
    /// <exception cref="ArgumentException">An operand that is not 2-D, or inner sizes that differ.</exception>
    public Tensor Mm(Tensor other)
    {
        if (Dim != 2) throw new ArgumentException($"self must be a matrix, got {Dim}-D");
        if (other.Dim != 2) throw new ArgumentException($"mat2 must be a matrix, got {other.Dim}-D");
        return Product(this, other, MatLayout.NN, "MmBackward0");
    }

    /// <summary>
    /// <c>torch.matmul</c> (Python's <c>@</c>) for 1-D and 2-D operands: vector·vector gives a 0-d
    /// tensor, matrix·vector and vector·matrix a vector, matrix·matrix a matrix.
    /// </summary>
    /// <exception cref="ArgumentException">Inner sizes that differ.</exception>
    /// <exception cref="NotSupportedException">An operand of 0 or more than 2 dims (no batched matmul), or a sparse one.</exception>
    public Tensor Matmul(Tensor other)
    {
        ThrowIfSparse();
        return (Dim, other.Dim) switch
        {
            (1, 1) => Dot(other),
            (2, 1) => Mm(other.Reshape(-1, 1)).Reshape(-1),
            (1, 2) => Reshape(1, -1).Mm(other).Reshape(-1),
            (2, 2) => Mm(other),
            _ => throw new NotSupportedException($"matmul of {Dim}-D and {other.Dim}-D tensors is not supported (batched matmul is outside this tensor layer)"),
        };
    }

    /// <summary>
    /// <c>input · weightᵀ + bias</c> as one recorded op (PyTorch's <c>F.linear</c>), which avoids
    /// materialising the transposed weight.
    /// </summary>
    internal static Tensor Linear(Tensor input, Tensor weight, Tensor? bias)
    {
        if (input.Dim != 2) throw new ArgumentException($"linear expects a 2-D input (batch, features), got shape {ShapeUtil.Format(input._shape)}");
        if (CanFuseLinear(input, weight, bias)) return FusedLinear(input, weight, bias);
        var r = Product(input, weight, MatLayout.NT, "MmBackward0");
        return bias is null ? r : r.Add(bias);
    }

    private static Tensor Product(Tensor a, Tensor b, MatLayout layout, string name)
    {
        (a, b) = Promote(a, b);
        int n = layout == MatLayout.TN ? a._shape[1] : a._shape[0];
        int k = layout == MatLayout.TN ? a._shape[0] : a._shape[1];
        int kb = layout == MatLayout.NT ? b._shape[1] : b._shape[0];
        int m = layout == MatLayout.NT ? b._shape[0] : b._shape[1];
        if (k != kb)
            throw new ArgumentException($"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {kb}x{m})");
        var r = a.NewUninitialized([n, m]);   // the kernels write every element
        switch (r.DType)
        {
            case DType.Float32: Run(a.Span<float>(), b.Span<float>(), r.Span<float>()); break;
            case DType.Float64: Run(a.Span<double>(), b.Span<double>(), r.Span<double>()); break;
            default: throw NotFloating(a, "mm");
        }
        if (!Graph.NeedsGrad(a, b)) return r;
        Tensor ad = a.Detach(), bd = b.Detach();
        bool ga = a.RequiresGrad, gb = b.RequiresGrad;
        return Graph.RecordSaving(r, name, [ad, bd], g => layout switch
        {
            // C = A B:   dA = G Bᵀ, dB = Aᵀ G
            MatLayout.NN => [ga ? Product(g, bd, MatLayout.NT, name) : null, gb ? Product(ad, g, MatLayout.TN, name) : null],
            // C = A Bᵀ:  dA = G B,  dB = Gᵀ A
            MatLayout.NT => [ga ? Product(g, bd, MatLayout.NN, name) : null, gb ? Product(g, ad, MatLayout.TN, name) : null],
            // C = Aᵀ B:  dA = B Gᵀ, dB = A G
            _ => [ga ? Product(bd, g, MatLayout.NT, name) : null, gb ? Product(ad, g, MatLayout.NN, name) : null],
        }, a, b);

        void Run<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> c) where T : unmanaged, System.Numerics.INumber<T>
        {
            switch (layout)
            {
                case MatLayout.NN: MatmulKernels.NN(x, y, c, n, k, m); break;
                case MatLayout.NT: MatmulKernels.NT(x, y, c, n, k, m); break;
                default: MatmulKernels.TN(x, y, c, n, k, m); break;
            }
        }
    }
}
