using System.Numerics;

namespace SharpOptim;

/// <summary>
/// Row-major matrix products. The inner loops run over contiguous rows with <see cref="Vector{T}"/>,
/// which is enough for the small models the NN layer trains.
/// </summary>
internal static class MatmulKernels
{
    /// <summary>C (n×m) = A (n×k) · B (k×m).</summary>
    public static void NN<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int n, int k, int m) where T : unmanaged, INumber<T>
    {
        c.Clear();
        for (int i = 0; i < n; i++)
        {
            var row = c.Slice(i * m, m);
            for (int p = 0; p < k; p++)
            {
                T s = a[i * k + p];
                if (s == T.Zero) continue;
                AxpyRow(s, b.Slice(p * m, m), row);
            }
        }
    }

    /// <summary>C (n×m) = A (n×k) · Bᵀ where B is m×k.</summary>
    public static void NT<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int n, int k, int m) where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < n; i++)
        {
            var ar = a.Slice(i * k, k);
            for (int j = 0; j < m; j++) c[i * m + j] = Dot(ar, b.Slice(j * k, k));
        }
    }

    /// <summary>C (n×m) = Aᵀ · B where A is k×n and B is k×m.</summary>
    public static void TN<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int n, int k, int m) where T : unmanaged, INumber<T>
    {
        c.Clear();
        for (int p = 0; p < k; p++)
        {
            var br = b.Slice(p * m, m);
            for (int i = 0; i < n; i++)
            {
                T s = a[p * n + i];
                if (s == T.Zero) continue;
                AxpyRow(s, br, c.Slice(i * m, m));
            }
        }
    }

    private static void AxpyRow<T>(T s, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, INumber<T>
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var sv = new Vector<T>(s);
            for (; j <= x.Length - Vector<T>.Count; j += Vector<T>.Count)
            {
                var yv = new Vector<T>(y.Slice(j));
                (yv + sv * new Vector<T>(x.Slice(j))).CopyTo(y.Slice(j));
            }
        }
        for (; j < x.Length; j++) y[j] += s * x[j];
    }

    private static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, INumber<T>
    {
        int j = 0;
        T acc = T.Zero;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var av = Vector<T>.Zero;
            for (; j <= x.Length - Vector<T>.Count; j += Vector<T>.Count)
                av += new Vector<T>(x.Slice(j)) * new Vector<T>(y.Slice(j));
            acc = Vector.Sum(av);
        }
        for (; j < x.Length; j++) acc += x[j] * y[j];
        return acc;
    }
}
