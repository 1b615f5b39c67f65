using SharpOptim;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// The inputs of tools/golden/rounding.py, drawn identically: SplitMix64 (state += 0x9E3779B97F4A7C15,
/// then mixed), so a fixture needs to store only PyTorch's results.
/// </summary>
internal static class SplitMix64
{
    public static ulong[] Draws(ulong seed, int count)
    {
        var z = new ulong[count];
        unchecked
        {
            for (int i = 0; i < count; i++)
            {
                ulong x = seed + 0x9E3779B97F4A7C15UL * (ulong)(i + 1);
                x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
                x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
                z[i] = x ^ (x >> 31);
            }
        }
        return z;
    }

    /// <summary>A draw as a uniform double in [0, 1) (its top 53 bits).</summary>
    public static double Unit(ulong draw) => (draw >> 11) * Math.Pow(2, -53);

    /// <summary>(2u − 1)·2^e: u from draw 2i, e in −6..6 from draw 2i + 1.</summary>
    public static double[] Values(ulong seed, int count)
    {
        var z = Draws(seed, 2 * count);
        var v = new double[count];
        for (int i = 0; i < count; i++) v[i] = (2 * Unit(z[2 * i]) - 1) * Math.Pow(2, (int)(z[2 * i + 1] % 13) - 6);
        return v;
    }

    /// <summary>The float64 values as a 1-D tensor of <paramref name="dtype"/> (float32 rounded to nearest).</summary>
    public static Tensor Tensor(ulong seed, int count, DType dtype) => Torch.Tensor(Values(seed, count)).To(dtype);
}
