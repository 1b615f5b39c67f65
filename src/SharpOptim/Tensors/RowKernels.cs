using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpOptim;

/// <summary>
/// Loops over the rows of a row-major n×m matrix: a bias row added to every row, vectorised across
/// the columns (each element rounded as the general broadcast loop rounds it, so the same bits);
/// and the row-wise arg-max/min.
/// </summary>
internal static class RowKernels
{
    /// <summary><c>c[i, j] = c[i, j] + row[j]</c> for every row i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddRow<T>(Span<T> c, ReadOnlySpan<T> row, int n, int m) where T : unmanaged, INumber<T>
    {
        if (c.Length < n * m || row.Length < m) throw new ArgumentException("row operands are smaller than their shapes");
        ref T r0 = ref MemoryMarshal.GetReference(row);
        for (int i = 0; i < n; i++)
        {
            ref T ci = ref Unsafe.Add(ref MemoryMarshal.GetReference(c), i * m);
            int j = 0;
            if (Vector.IsHardwareAccelerated)
                for (; j + Vector<T>.Count <= m; j += Vector<T>.Count)
                    (Vector.LoadUnsafe(ref ci, (nuint)j) + Vector.LoadUnsafe(ref r0, (nuint)j)).StoreUnsafe(ref ci, (nuint)j);
            for (; j < m; j++) Unsafe.Add(ref ci, j) += Unsafe.Add(ref r0, j);
        }
    }

    /// <summary>
    /// For each row of an n×m matrix, the first column holding its largest (or smallest) value,
    /// a NaN winning as soon as it is met (PyTorch's max/min propagate NaN).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ArgExtremeRows<T>(ReadOnlySpan<T> x, int n, int m, bool max, Span<T> values, Span<long> indices)
        where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < n; i++)
        {
            var row = x.Slice(i * m, m);
            int best = 0;
            T bestValue = row[0];
            for (int k = 1; k < m && !T.IsNaN(bestValue); k++)
            {
                T v = row[k];
                if (T.IsNaN(v) || (max ? v > bestValue : v < bestValue)) { best = k; bestValue = v; }
            }
            values[i] = bestValue;
            indices[i] = best;
        }
    }
}
