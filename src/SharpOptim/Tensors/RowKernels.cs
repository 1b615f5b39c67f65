using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpOptim;

/// <summary>
/// Loops over the rows of a row-major n×m matrix: a bias row added to every row and the column
/// sums (a bias's gradient), vectorised across the columns; and the row-wise arg-max/min. Each result element is rounded as the element-by-element loop in row order rounds it
/// (one add per row, no reassociation), so they equal the general broadcast and reduction loops
/// bit for bit.
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

    /// <summary><c>sums[j] = Σ_i x[i, j]</c>, added from zero in row order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumRows<T>(ReadOnlySpan<T> x, Span<T> sums, int n, int m) where T : unmanaged, INumber<T>
    {
        if (x.Length < n * m || sums.Length < m) throw new ArgumentException("row operands are smaller than their shapes");
        sums[..m].Clear();
        ref T s0 = ref MemoryMarshal.GetReference(sums);
        for (int i = 0; i < n; i++)
        {
            ref T xi = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), i * m);
            int j = 0;
            if (Vector.IsHardwareAccelerated)
                for (; j + Vector<T>.Count <= m; j += Vector<T>.Count)
                    (Vector.LoadUnsafe(ref s0, (nuint)j) + Vector.LoadUnsafe(ref xi, (nuint)j)).StoreUnsafe(ref s0, (nuint)j);
            for (; j < m; j++) Unsafe.Add(ref s0, j) += Unsafe.Add(ref xi, j);
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
