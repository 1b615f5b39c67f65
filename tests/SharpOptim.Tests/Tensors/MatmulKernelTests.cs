using System.Numerics;
using Xunit;

namespace SharpOptim.Tests.Tensors;

/// <summary>
/// The register-blocked matrix products against plain loops. Each kernel documents the order
/// in which it adds the products of an output element (see MatmulKernels); the plain loops
/// here add them in that order, so the results must be equal bit for bit, for every shape,
/// including sizes that leave partial blocks. A double-precision product also bounds the error.
/// </summary>
public class MatmulKernelTests
{
    // Sizes around the blocks (4 rows; 1 and 2 vectors of 8 floats / 4 doubles) and the dot lanes.
    private static readonly int[] Sizes = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33];

    public static IEnumerable<object[]> Shapes()
    {
        var g = new Generator(11);
        for (int t = 0; t < 40; t++)
            yield return [Sizes[g.NextInt64(Sizes.Length)], Sizes[g.NextInt64(Sizes.Length)], Sizes[g.NextInt64(Sizes.Length)]];
        yield return [32, 64, 128];   // the digits MLP's first layer
        yield return [29, 128, 10];   // its second layer on the last, smaller batch
    }

    private static T[] Random<T>(int length, int seed) where T : IFloatingPointIeee754<T>
    {
        var g = new Generator(seed);
        var a = new T[length];
        for (int i = 0; i < length; i++) a[i] = T.CreateTruncating(g.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>c = Σ_p A(i, p)·B(p, j) from zero in ascending p, a multiply then an add.</summary>
    private static T[] Sequential<T>(Func<int, int, T> a, Func<int, int, T> b, int n, int k, int m) where T : IFloatingPointIeee754<T>
    {
        var c = new T[n * m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                T acc = T.Zero;
                for (int p = 0; p < k; p++) acc += a(i, p) * b(p, j);
                c[i * m + j] = acc;
            }
        return c;
    }

    /// <summary>
    /// NT's order: Vector&lt;T&gt;.Count lane sums (lane l adds elements l, l + lanes, ...), added up
    /// by Vector.Sum, then the leftover elements in order.
    /// </summary>
    private static T[] LaneDots<T>(T[] a, T[] b, int n, int k, int m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector<T>.Count;
        var c = new T[n * m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                int full = Vector.IsHardwareAccelerated && k >= lanes ? k / lanes * lanes : 0;
                var partial = new T[lanes];
                for (int p = 0; p < full; p++) partial[p % lanes] += a[i * k + p] * b[j * k + p];
                T acc = full > 0 ? Vector.Sum(new Vector<T>(partial)) : T.Zero;
                for (int p = full; p < k; p++) acc += a[i * k + p] * b[j * k + p];
                c[i * m + j] = acc;
            }
        return c;
    }

    private static void AssertBitsEqual<T>(T[] expected, T[] actual, string what) where T : IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!expected[i].Equals(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]}, plain loop gives {expected[i]}");
    }

    /// <summary>|c - exact| ≤ k·ε·Σ|a||b| (the classic bound for any summation order), with the exact value in double.</summary>
    private static void AssertNearExact<T>(T[] c, Func<int, int, double> a, Func<int, int, double> b, int n, int k, int m) where T : IFloatingPointIeee754<T>
    {
        double eps = typeof(T) == typeof(float) ? Math.Pow(2, -23) : Math.Pow(2, -52);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double exact = 0, magnitude = 0;
                for (int p = 0; p < k; p++) { exact += a(i, p) * b(p, j); magnitude += Math.Abs(a(i, p) * b(p, j)); }
                double err = Math.Abs(double.CreateTruncating(c[i * m + j]) - exact);
                Assert.True(err <= (k + 1) * eps * magnitude, $"({i}, {j}): error {err} over bound {(k + 1) * eps * magnitude}");
            }
    }

    private static void CheckAllLayouts<T>(int n, int k, int m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Random<T>(n * k, 1 + n);      // n×k, also read as the k×n of TN
        var b = Random<T>(k * m, 2 + m);      // k×m, also read as the m×k of NT
        var c = new T[n * m];

        MatmulKernels.NN<T>(a, b, c, n, k, m);
        AssertBitsEqual(Sequential((i, p) => a[i * k + p], (p, j) => b[p * m + j], n, k, m), c, $"NN {n}x{k}x{m}");
        AssertNearExact(c, (i, p) => double.CreateTruncating(a[i * k + p]), (p, j) => double.CreateTruncating(b[p * m + j]), n, k, m);

        MatmulKernels.TN<T>(a, b, c, n, k, m);
        AssertBitsEqual(Sequential((i, p) => a[p * n + i], (p, j) => b[p * m + j], n, k, m), c, $"TN {n}x{k}x{m}");
        AssertNearExact(c, (i, p) => double.CreateTruncating(a[p * n + i]), (p, j) => double.CreateTruncating(b[p * m + j]), n, k, m);

        MatmulKernels.NT<T>(a, b, c, n, k, m);
        AssertBitsEqual(LaneDots(a, b, n, k, m), c, $"NT {n}x{k}x{m}");
        AssertNearExact(c, (i, p) => double.CreateTruncating(a[i * k + p]), (p, j) => double.CreateTruncating(b[j * k + p]), n, k, m);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float32KernelsMatchPlainLoops(int n, int k, int m) => CheckAllLayouts<float>(n, k, m);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float64KernelsMatchPlainLoops(int n, int k, int m) => CheckAllLayouts<double>(n, k, m);

    [Fact]
    public void NaNAndInfinityPropagateThroughZeroFactors()
    {
        // A zero in A times an infinity in B is NaN, as in BLAS; the kernels do not skip zeros.
        float[] a = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];   // 4×4
        float[] b = [float.PositiveInfinity, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
        var c = new float[16];
        MatmulKernels.NN<float>(a, b, c, 4, 4, 4);
        Assert.True(float.IsNaN(c[0]));
        Assert.Equal(1f, c[1]);
    }

    [Fact]
    public void ShortOperandsAreRefused()
    {
        var c = new float[4];
        Assert.Throws<ArgumentException>(() => MatmulKernels.NN<float>(new float[3], new float[4], c, 2, 2, 2));
    }
}
