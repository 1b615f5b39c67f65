using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpOptim;

/// <summary>
/// Row-major matrix products, register-blocked with <see cref="Vector{T}"/>. Every output element
/// is rounded exactly as the plain loops would round it, whatever the blocking, so results do not
/// depend on the shapes' divisibility:
/// <list type="bullet">
/// <item><see cref="NN"/> and <see cref="TN"/> (outer-product form): <c>c = 0; c += a·b</c> over the
/// inner index in ascending order, a multiply then an add (no fused multiply-add);</item>
/// <item><see cref="NT"/> (dot-product form, both rows contiguous): the <c>Vector&lt;T&gt;.Count</c>
/// lane partial sums of <see cref="Dot{T}"/>, added up by <see cref="Vector.Sum{T}(Vector{T})"/>,
/// then the leftover elements one by one.</item>
/// </list>
/// The blocks keep 8 accumulators in registers (4 rows × 2 vectors, or 4 × 2 dot products) so a
/// loaded vector feeds several of them; the edges fall back to narrower blocks of the same order.
/// </summary>
internal static class MatmulKernels
{
    /// <summary>C (n×m) = A (n×k) · B (k×m).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NN<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int n, int k, int m) where T : unmanaged, INumber<T>
    {
        CheckLengths(a.Length, n * k, b.Length, k * m, c.Length, n * m);
        OuterProduct(ref MemoryMarshal.GetReference(a), rowStride: k, depthStride: 1, ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(c), n, k, m);
    }

    /// <summary>C (n×m) = Aᵀ · B where A is k×n and B is k×m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TN<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int n, int k, int m) where T : unmanaged, INumber<T>
    {
        CheckLengths(a.Length, k * n, b.Length, k * m, c.Length, n * m);
        OuterProduct(ref MemoryMarshal.GetReference(a), rowStride: 1, depthStride: n, ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(c), n, k, m);
    }

    /// <summary>C (n×m) = A (n×k) · Bᵀ where B is m×k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NT<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int n, int k, int m) where T : unmanaged, INumber<T>
    {
        CheckLengths(a.Length, n * k, b.Length, m * k, c.Length, n * m);
        ref T a0 = ref MemoryMarshal.GetReference(a);
        ref T b0 = ref MemoryMarshal.GetReference(b);
        ref T c0 = ref MemoryMarshal.GetReference(c);
        int i = 0;
        for (; i + 4 <= n; i += 4)
        {
            int j = 0;
            for (; j + 2 <= m; j += 2) DotBlock4x2(ref a0, ref b0, ref c0, i, j, k, m);
            for (; j < m; j++)
                for (int r = 0; r < 4; r++) Unsafe.Add(ref c0, (i + r) * m + j) = Dot(ref Unsafe.Add(ref a0, (i + r) * k), ref Unsafe.Add(ref b0, j * k), k);
        }
        for (; i < n; i++)
            for (int j = 0; j < m; j++) Unsafe.Add(ref c0, i * m + j) = Dot(ref Unsafe.Add(ref a0, i * k), ref Unsafe.Add(ref b0, j * k), k);
    }

    private static void CheckLengths(int a, int needA, int b, int needB, int c, int needC)
    {
        if (a < needA || b < needB || c < needC) throw new ArgumentException("matrix product operands are smaller than their shapes");
    }

    // ------------------------------------------------------------ outer-product form (NN, TN)

    /// <summary>
    /// C = A·B with A(i, p) at <c>a[i·rowStride + p·depthStride]</c> and B row-major k×m. Rows go
    /// in blocks of 4, columns in panels of two vectors, one vector, then single columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OuterProduct<T>(ref T a, int rowStride, int depthStride, ref T b, ref T c, int n, int k, int m) where T : unmanaged, INumber<T>
    {
        int v = Vector<T>.Count;
        int i = 0;
        for (; i + 4 <= n; i += 4)
        {
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; j + 2 * v <= m; j += 2 * v) Panel4x2(ref a, rowStride, depthStride, ref b, ref c, i, j, k, m);
                for (; j + v <= m; j += v) Panel4x1(ref a, rowStride, depthStride, ref b, ref c, i, j, k, m);
            }
            for (; j < m; j++)
                for (int r = 0; r < 4; r++) Unsafe.Add(ref c, (i + r) * m + j) = Column(ref a, (i + r) * rowStride, depthStride, ref b, j, k, m);
        }
        for (; i < n; i++)
        {
            int j = 0;
            if (Vector.IsHardwareAccelerated)
                for (; j + v <= m; j += v) Panel1x1(ref a, i * rowStride, depthStride, ref b, ref c, i, j, k, m);
            for (; j < m; j++) Unsafe.Add(ref c, i * m + j) = Column(ref a, i * rowStride, depthStride, ref b, j, k, m);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Panel4x2<T>(ref T a, int rowStride, int depthStride, ref T b, ref T c, int i, int j, int k, int m) where T : unmanaged, INumber<T>
    {
        int v = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        ref T ai = ref Unsafe.Add(ref a, i * rowStride);
        for (int p = 0; p < k; p++)
        {
            ref T bp = ref Unsafe.Add(ref b, p * m + j);
            var b0 = Vector.LoadUnsafe(ref bp);
            var b1 = Vector.LoadUnsafe(ref bp, (nuint)v);
            ref T ap = ref Unsafe.Add(ref ai, p * depthStride);
            var x = new Vector<T>(ap);
            c00 += x * b0; c01 += x * b1;
            x = new Vector<T>(Unsafe.Add(ref ap, rowStride));
            c10 += x * b0; c11 += x * b1;
            x = new Vector<T>(Unsafe.Add(ref ap, 2 * rowStride));
            c20 += x * b0; c21 += x * b1;
            x = new Vector<T>(Unsafe.Add(ref ap, 3 * rowStride));
            c30 += x * b0; c31 += x * b1;
        }
        ref T ci = ref Unsafe.Add(ref c, i * m + j);
        c00.StoreUnsafe(ref ci); c01.StoreUnsafe(ref ci, (nuint)v);
        ci = ref Unsafe.Add(ref ci, m);
        c10.StoreUnsafe(ref ci); c11.StoreUnsafe(ref ci, (nuint)v);
        ci = ref Unsafe.Add(ref ci, m);
        c20.StoreUnsafe(ref ci); c21.StoreUnsafe(ref ci, (nuint)v);
        ci = ref Unsafe.Add(ref ci, m);
        c30.StoreUnsafe(ref ci); c31.StoreUnsafe(ref ci, (nuint)v);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Panel4x1<T>(ref T a, int rowStride, int depthStride, ref T b, ref T c, int i, int j, int k, int m) where T : unmanaged, INumber<T>
    {
        Vector<T> c0 = default, c1 = default, c2 = default, c3 = default;
        ref T ai = ref Unsafe.Add(ref a, i * rowStride);
        for (int p = 0; p < k; p++)
        {
            var bv = Vector.LoadUnsafe(ref Unsafe.Add(ref b, p * m + j));
            ref T ap = ref Unsafe.Add(ref ai, p * depthStride);
            c0 += new Vector<T>(ap) * bv;
            c1 += new Vector<T>(Unsafe.Add(ref ap, rowStride)) * bv;
            c2 += new Vector<T>(Unsafe.Add(ref ap, 2 * rowStride)) * bv;
            c3 += new Vector<T>(Unsafe.Add(ref ap, 3 * rowStride)) * bv;
        }
        ref T ci = ref Unsafe.Add(ref c, i * m + j);
        c0.StoreUnsafe(ref ci);
        c1.StoreUnsafe(ref Unsafe.Add(ref ci, m));
        c2.StoreUnsafe(ref Unsafe.Add(ref ci, 2 * m));
        c3.StoreUnsafe(ref Unsafe.Add(ref ci, 3 * m));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Panel1x1<T>(ref T a, int rowOffset, int depthStride, ref T b, ref T c, int i, int j, int k, int m) where T : unmanaged, INumber<T>
    {
        Vector<T> acc = default;
        ref T ai = ref Unsafe.Add(ref a, rowOffset);
        for (int p = 0; p < k; p++)
            acc += new Vector<T>(Unsafe.Add(ref ai, p * depthStride)) * Vector.LoadUnsafe(ref Unsafe.Add(ref b, p * m + j));
        acc.StoreUnsafe(ref Unsafe.Add(ref c, i * m + j));
    }

    /// <summary>One output element of the outer-product form, in its order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Column<T>(ref T a, int rowOffset, int depthStride, ref T b, int j, int k, int m) where T : unmanaged, INumber<T>
    {
        T acc = T.Zero;
        ref T ai = ref Unsafe.Add(ref a, rowOffset);
        for (int p = 0; p < k; p++) acc += Unsafe.Add(ref ai, p * depthStride) * Unsafe.Add(ref b, p * m + j);
        return acc;
    }

    // ------------------------------------------------------------ dot-product form (NT)

    /// <summary>Rows i..i+3 of A against rows j, j+1 of B: 8 dot products sharing their loads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotBlock4x2<T>(ref T a, ref T b, ref T c, int i, int j, int k, int m) where T : unmanaged, INumber<T>
    {
        int v = Vector<T>.Count;
        ref T a0 = ref Unsafe.Add(ref a, i * k);
        ref T a1 = ref Unsafe.Add(ref a0, k);
        ref T a2 = ref Unsafe.Add(ref a1, k);
        ref T a3 = ref Unsafe.Add(ref a2, k);
        ref T b0 = ref Unsafe.Add(ref b, j * k);
        ref T b1 = ref Unsafe.Add(ref b0, k);
        int p = 0;
        Vector<T> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default, s30 = default, s31 = default;
        if (Vector.IsHardwareAccelerated && k >= v)
        {
            for (; p <= k - v; p += v)
            {
                var y0 = Vector.LoadUnsafe(ref b0, (nuint)p);
                var y1 = Vector.LoadUnsafe(ref b1, (nuint)p);
                var x = Vector.LoadUnsafe(ref a0, (nuint)p);
                s00 += x * y0; s01 += x * y1;
                x = Vector.LoadUnsafe(ref a1, (nuint)p);
                s10 += x * y0; s11 += x * y1;
                x = Vector.LoadUnsafe(ref a2, (nuint)p);
                s20 += x * y0; s21 += x * y1;
                x = Vector.LoadUnsafe(ref a3, (nuint)p);
                s30 += x * y0; s31 += x * y1;
            }
        }
        bool vectorised = p > 0;
        ref T ci = ref Unsafe.Add(ref c, i * m + j);
        ci = Finish(s00, vectorised, ref a0, ref b0, p, k);
        Unsafe.Add(ref ci, 1) = Finish(s01, vectorised, ref a0, ref b1, p, k);
        ci = ref Unsafe.Add(ref ci, m);
        ci = Finish(s10, vectorised, ref a1, ref b0, p, k);
        Unsafe.Add(ref ci, 1) = Finish(s11, vectorised, ref a1, ref b1, p, k);
        ci = ref Unsafe.Add(ref ci, m);
        ci = Finish(s20, vectorised, ref a2, ref b0, p, k);
        Unsafe.Add(ref ci, 1) = Finish(s21, vectorised, ref a2, ref b1, p, k);
        ci = ref Unsafe.Add(ref ci, m);
        ci = Finish(s30, vectorised, ref a3, ref b0, p, k);
        Unsafe.Add(ref ci, 1) = Finish(s31, vectorised, ref a3, ref b1, p, k);
    }

    /// <summary>The lanes summed (when the vector loop ran), then the leftover elements from <paramref name="p"/> on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Finish<T>(Vector<T> lanes, bool vectorised, ref T x, ref T y, int p, int k) where T : unmanaged, INumber<T>
    {
        T acc = vectorised ? Vector.Sum(lanes) : T.Zero;
        for (; p < k; p++) acc += Unsafe.Add(ref x, p) * Unsafe.Add(ref y, p);
        return acc;
    }

    /// <summary>One dot product of length <paramref name="k"/> in the order described on the class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Dot<T>(ref T x, ref T y, int k) where T : unmanaged, INumber<T>
    {
        int p = 0;
        var lanes = Vector<T>.Zero;
        if (Vector.IsHardwareAccelerated && k >= Vector<T>.Count)
            for (; p <= k - Vector<T>.Count; p += Vector<T>.Count)
                lanes += Vector.LoadUnsafe(ref x, (nuint)p) * Vector.LoadUnsafe(ref y, (nuint)p);
        return Finish(lanes, p > 0, ref x, ref y, p, k);
    }
}
