using System.Globalization;

namespace SharpOptim.Bench;

/// <summary>How the reports write numbers: invariant culture, about three significant digits.</summary>
public static class Numbers
{
    /// <summary>Milliseconds with three significant digits (at least one decimal): 41.3, 2.07, 0.00412.</summary>
    public static string Ms(double ms)
    {
        if (!double.IsFinite(ms) || ms <= 0) return ms.ToString("0.0", CultureInfo.InvariantCulture);
        int decimals = Math.Clamp(2 - (int)Math.Floor(Math.Log10(ms)), 1, 6);
        return ms.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    /// <summary>A ratio such as a speed-up: 1.04×.</summary>
    public static string Ratio(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    public static string Fixed(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>An element count the way the issue writes sizes: 1K, 64K, 4M, 128M (powers of two).</summary>
    public static string Elements(long n) => n switch
    {
        >= 1 << 20 when n % (1 << 20) == 0 => $"{n >> 20}M",
        >= 1 << 10 when n % (1 << 10) == 0 => $"{n >> 10}K",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Gigabytes per second for <paramref name="elements"/> × <paramref name="bytesPerElement"/> bytes in <paramref name="ms"/>.</summary>
    public static double GigabytesPerSecond(long elements, int bytesPerElement, double ms) => elements * (double)bytesPerElement / (ms * 1e6);
}
