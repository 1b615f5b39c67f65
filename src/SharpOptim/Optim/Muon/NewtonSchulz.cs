namespace SharpOptim.Optim;

/// <summary>
/// Muon's orthogonalisation: PyTorch's <c>_zeropower_via_newtonschulz</c>, which runs in
/// bfloat16, emulated on float32 storage that holds bfloat16 values (<see cref="BFloat16Rounding"/>).
/// Every op rounds to bfloat16 as PyTorch's CPU kernels do (measured against PyTorch 2.14 on
/// random matrices, tools/golden/muon.py records them): the norm is summed wider and rounded
/// once, the division is a float32 division, and each matrix product is PyTorch's bfloat16
/// GEMM — exact float32 products summed in float32 into four interleaved partial sums
/// (<c>((s0 + s1) + s2) + s3</c>), then <c>fma(beta, C, alpha·Σ)</c> in float32, then one
/// rounding to bfloat16 (<see cref="BFloat16Product"/>, vectorised without changing a bit).
/// Our <see cref="Tensor.Mm"/> is not used: it has no bfloat16 rounding and sums in another order. The float32 sums are not always PyTorch's order (it hands products of
/// more than 16·16·16 multiply-adds to oneDNN, and some of its dot products are vectorised), so
/// an element can land one bfloat16 step from PyTorch's and the iteration carries that on:
/// measured with a Python model of this arithmetic on 1500 random matrices per shape, none of
/// 3×4, 4×3 or 7×5 and 0.1–0.3% of 9×6, 12×16, 16×12, 6×31 and 8×40 matrices. Every recorded
/// case (muon_newton_schulz.sofx) and every step of the recorded Muon trajectories match bit
/// for bit.
/// </summary>
internal static class NewtonSchulz
{
    /// <summary>PyTorch's checks of the iteration's settings, made before a step changes anything.</summary>
    public static void Validate(int steps, int coefficientCount)
    {
        if (steps >= 100) throw new ArgumentException("Number of steps must be less than 100 for computational efficiency");
        if (coefficientCount != 3) throw new ArgumentException("Coefficients must be a tuple of exactly 3 values");
    }

    /// <summary>
    /// The orthogonalised <paramref name="input"/> (a 2-D tensor of any float dtype, rounded to
    /// bfloat16 first), as a float32 tensor of bfloat16 values of the same shape. Allocates its
    /// buffers (the reference path's form; the kernel path keeps a <see cref="NewtonSchulzWorkspace"/> per shape).
    /// </summary>
    public static Tensor Orthogonalize(Tensor input, (double A, double B, double C) coefficients, int steps, double eps)
    {
        if (input.Dim != 2) throw new ArgumentException("Input tensor gradient must be a 2D matrix");
        var workspace = new NewtonSchulzWorkspace(input.Size(0), input.Size(1));
        var values = workspace.Input;
        if (input.DType == DType.Float64)
        {
            var src = input.AsSpan<double>();
            for (int i = 0; i < values.Length; i++) values[i] = BFloat16Rounding.Round(src[i]);
        }
        else
        {
            var src = input.To(DType.Float32).AsSpan<float>();
            for (int i = 0; i < values.Length; i++) values[i] = BFloat16Rounding.Round(src[i]);
        }
        return Torch.Tensor(Orthogonalize(workspace, coefficients, steps, eps), input.Shape);
    }

    /// <summary>
    /// The iteration on the rows × cols matrix of bfloat16 values the caller put in
    /// <see cref="NewtonSchulzWorkspace.Input"/> (row-major); returns the result in the same layout:
    /// one of the workspace's own arrays, valid until its next use. A tall matrix is worked on
    /// transposed, as PyTorch does. Allocates nothing.
    /// </summary>
    public static float[] Orthogonalize(NewtonSchulzWorkspace workspace, (double A, double B, double C) coefficients, int steps, double eps)
    {
        int rows = workspace.Rows, cols = workspace.Cols;
        bool tall = workspace.Tall;
        int n = tall ? cols : rows, m = tall ? rows : cols;
        float[] x, next;
        if (tall)
        {
            Transpose(workspace.Input, rows, cols, workspace.Iterate);
            (x, next) = (workspace.Iterate, workspace.Spare);
        }
        else (x, next) = (workspace.Input, workspace.Iterate);

        // Spectral norm at most 1: divide by the Frobenius norm, clamped below by eps.
        double squares = 0;
        foreach (var v in x) squares += (double)v * v;
        float norm = BFloat16Rounding.Round((float)Math.Sqrt(squares));
        float floor = (float)eps;
        norm = BFloat16Rounding.Round(norm < floor ? floor : norm);
        for (int i = 0; i < x.Length; i++) x[i] = BFloat16Rounding.Round(x[i] / norm);

        float a = (float)coefficients.A, b = (float)coefficients.B, c = (float)coefficients.C;
        var (gram, gramUpdate, packed, product) = (workspace.Gram, workspace.GramUpdate, workspace.Packed, workspace.Product);
        for (int s = 0; s < steps; s++)
        {
            // gram = X Xᵀ; gramUpdate = b·gram + c·gram²; X = a·X + gramUpdate·X. Both gram
            // products are symmetric (gram is, so gram² is, to the bit).
            product.Run(x, x, transposeB: true, n, m, n, alpha: 1, beta: 0, gram, gram, packed, symmetric: true);
            product.Run(gram, gram, transposeB: false, n, n, n, alpha: c, beta: b, gram, gramUpdate, packed, symmetric: true);
            product.Run(gramUpdate, x, transposeB: false, n, n, m, alpha: 1, beta: a, x, next, packed);
            (x, next) = (next, x);
        }
        if (!tall) return x;
        Transpose(x, n, m, workspace.Input);
        return workspace.Input;
    }

    private static void Transpose(ReadOnlySpan<float> x, int rows, int cols, Span<float> t)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c];
    }
}
