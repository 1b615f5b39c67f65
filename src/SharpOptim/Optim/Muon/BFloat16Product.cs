using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// PyTorch's CPU bfloat16 <c>addmm</c> (<c>mm</c> when beta is 0) on bfloat16 values carried in
/// floats, for <see cref="NewtonSchulz"/>: each result element is the float32 dot product of a row
/// of A and a column of B summed into four interleaved partial sums (element l goes to sum
/// l mod 4, the last k mod 4 elements to the first), folded as <c>((s0 + s1) + s2) + s3</c>, then
/// <c>fma(beta, input, alpha·dot)</c> in float32 (<c>alpha·dot</c> when beta is 0), then rounded
/// once to bfloat16.
/// <para>
/// Fast without changing a bit: a panel of <see cref="Vector{T}"/>-count adjacent columns is
/// computed at once, each lane doing exactly the scalar sequence of multiplies and adds (no
/// fused multiply-add inside the sums), and the epilogue runs per element as in the scalar form.
/// A product known to be symmetric (X·Xᵀ, and G·G for a symmetric G) computes its upper triangle
/// and mirrors it: the mirrored element has the same products (multiplication commutes exactly)
/// added in the same order, so it is bit-identical to computing it. Panels are the work items
/// of a <see cref="KernelWorkers"/> dispatch when the product is large. One instance is kept per
/// <see cref="NewtonSchulzWorkspace"/>, so a product allocates nothing.
/// </para>
/// </summary>
internal sealed class BFloat16Product : WorkPlan
{
    /// <summary>Multiply-adds below which a product runs on the calling thread.</summary>
    private const long ParallelWork = 1 << 20;

    private static int PanelWidth => Vector.IsHardwareAccelerated ? Vector<float>.Count : 4;

    private float[] _a = [], _b = [], _input = [], _result = [], _packed = [];
    private int _n, _k, _m;
    private float _alpha, _beta;
    private bool _transposeB, _symmetric, _vectorize;

    /// <summary>
    /// <c>result = bf16(beta·input + alpha·(A·B))</c> for A (n×k, row-major) and B (k×m row-major,
    /// or m×k row-major read transposed). <paramref name="symmetric"/>: the caller knows the result
    /// is symmetric (n = m; A·B and, when beta is not 0, the input symmetric to the bit), so only the
    /// upper triangle is computed. <paramref name="packed"/> holds at least k·m floats: the panels of
    /// B are copied there contiguously. <paramref name="vectorize"/> false computes every element in
    /// the scalar form (for tests: it must give the same bits).
    /// </summary>
    public void Run(float[] a, float[] b, bool transposeB, int n, int k, int m, float alpha, float beta, float[] input, float[] result,
                    float[] packed, bool symmetric = false, bool vectorize = true)
    {
        (_a, _b, _input, _result, _packed) = (a, b, input, result, packed);
        (_n, _k, _m, _alpha, _beta, _transposeB, _symmetric) = (n, k, m, alpha, beta, transposeB, symmetric);
        _vectorize = vectorize && Vector.IsHardwareAccelerated;
        ItemCount = (m + PanelWidth - 1) / PanelWidth;
        int threads = Torch.GetNumThreads();
        if ((long)n * k * m < ParallelWork || threads == 1 || ItemCount < 2 || !KernelWorkers.TryRun(this, threads))
            for (int panel = 0; panel < ItemCount; panel++) RunItem(panel);
    }

    /// <summary>Columns [panel·width, panel·width + width) of the result, every row (upper-triangle rows only when symmetric).</summary>
    public override void RunItem(int item)
    {
        int j0 = item * PanelWidth, width = Math.Min(PanelWidth, _m - j0);
        int rows = _symmetric ? Math.Min(_n, j0 + width) : _n;
        if (_vectorize && width == Vector<float>.Count)
        {
            var panel = _packed.AsSpan(item * _k * width, _k * width);
            Pack(j0, panel);
            Span<float> dots = stackalloc float[2 * Vector<float>.Count];
            int i = 0;
            for (; i + 2 <= rows; i += 2)
            {
                PanelDots(i, panel, out var first, out var second);
                first.CopyTo(dots);
                second.CopyTo(dots[width..]);
                for (int lane = 0; lane < width; lane++)
                {
                    Store(i, j0 + lane, dots[lane]);
                    Store(i + 1, j0 + lane, dots[width + lane]);
                }
            }
            ScalarRows(i, rows, j0, width);
        }
        else ScalarRows(0, rows, j0, width);
    }

    /// <summary>Elements (i, j) for rows [firstRow, rows) and the panel's columns, one at a time (upper triangle only when symmetric).</summary>
    private void ScalarRows(int firstRow, int rows, int j0, int width)
    {
        for (int i = firstRow; i < rows; i++)
            for (int j = _symmetric ? Math.Max(j0, i) : j0; j < j0 + width; j++) Store(i, j, Dot(i, j));
    }

    /// <summary>Nothing to drop: the operands are the workspace's own arrays.</summary>
    public override void Release() { }

    /// <summary>Element l·width + lane of <paramref name="panel"/> is B[l, j0 + lane]: the panel's columns, contiguous.</summary>
    private void Pack(int j0, Span<float> panel)
    {
        int width = Vector<float>.Count;
        for (int l = 0; l < _k; l++)
            for (int lane = 0; lane < width; lane++) panel[l * width + lane] = B(l, j0 + lane);
    }

    private float B(int l, int j) => _transposeB ? _b[j * _k + l] : _b[l * _m + j];

    /// <summary>The epilogue of element (i, j), and its mirror image when the product is symmetric.</summary>
    private void Store(int i, int j, float dot)
    {
        if (_symmetric && j < i) return;
        float value = BFloat16Rounding.Round(_beta == 0 ? _alpha * dot : MathF.FusedMultiplyAdd(_beta, _input[i * _m + j], _alpha * dot));
        _result[i * _m + j] = value;
        if (_symmetric) _result[j * _m + i] = value;
    }

    /// <summary>The dot product of row i of A and column j of B, in the four interleaved partial sums.</summary>
    private float Dot(int i, int j)
    {
        // B[l, j] sits at bRow·l + bCol·j.
        var (a, b, k) = (_a, _b, _k);
        int bRow = _transposeB ? 1 : _m, bCol = _transposeB ? k : 1;
        int aRow = i * k, bj = bCol * j;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int l = 0;
        for (; l + 4 <= k; l += 4)
        {
            s0 += a[aRow + l] * b[bj + bRow * l];
            s1 += a[aRow + l + 1] * b[bj + bRow * (l + 1)];
            s2 += a[aRow + l + 2] * b[bj + bRow * (l + 2)];
            s3 += a[aRow + l + 3] * b[bj + bRow * (l + 3)];
        }
        for (; l < k; l++) s0 += a[aRow + l] * b[bj + bRow * l];
        return ((s0 + s1) + s2) + s3;
    }

    /// <summary>
    /// <see cref="Dot"/> for rows i and i + 1 and the packed panel's columns at once, each lane in
    /// the scalar order (two rows share each load of the panel).
    /// </summary>
    private void PanelDots(int i, ReadOnlySpan<float> panel, out Vector<float> first, out Vector<float> second)
    {
        int k = _k, w = Vector<float>.Count;
        ref float a0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_a), i * k);
        ref float a1 = ref Unsafe.Add(ref a0, k);
        ref float p = ref MemoryMarshal.GetReference(panel);
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector<float> t0 = default, t1 = default, t2 = default, t3 = default;
        int l = 0;
        for (; l + 4 <= k; l += 4)
        {
            var b0 = Vector.LoadUnsafe(ref p, (nuint)(l * w));
            var b1 = Vector.LoadUnsafe(ref p, (nuint)((l + 1) * w));
            var b2 = Vector.LoadUnsafe(ref p, (nuint)((l + 2) * w));
            var b3 = Vector.LoadUnsafe(ref p, (nuint)((l + 3) * w));
            s0 += new Vector<float>(Unsafe.Add(ref a0, l)) * b0;
            t0 += new Vector<float>(Unsafe.Add(ref a1, l)) * b0;
            s1 += new Vector<float>(Unsafe.Add(ref a0, l + 1)) * b1;
            t1 += new Vector<float>(Unsafe.Add(ref a1, l + 1)) * b1;
            s2 += new Vector<float>(Unsafe.Add(ref a0, l + 2)) * b2;
            t2 += new Vector<float>(Unsafe.Add(ref a1, l + 2)) * b2;
            s3 += new Vector<float>(Unsafe.Add(ref a0, l + 3)) * b3;
            t3 += new Vector<float>(Unsafe.Add(ref a1, l + 3)) * b3;
        }
        for (; l < k; l++)
        {
            var b0 = Vector.LoadUnsafe(ref p, (nuint)(l * w));
            s0 += new Vector<float>(Unsafe.Add(ref a0, l)) * b0;
            t0 += new Vector<float>(Unsafe.Add(ref a1, l)) * b0;
        }
        first = ((s0 + s1) + s2) + s3;
        second = ((t0 + t1) + t2) + t3;
    }
}
