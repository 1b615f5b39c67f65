namespace SharpOptim;

/// <summary>
/// bfloat16 values carried in floats: a bfloat16 is a float32 with the low 16 bits of its
/// significand dropped, so rounding a float to bfloat16 and keeping the result as a float loses
/// nothing. Used to run PyTorch's bfloat16 arithmetic (Muon's Newton–Schulz iteration) on
/// float32 storage with the same results.
/// </summary>
internal static class BFloat16Rounding
{
    /// <summary>The bfloat16 nearest to <paramref name="x"/> (ties to even), as c10::BFloat16 rounds; NaN becomes the quiet NaN 0x7FC0.</summary>
    public static float Round(float x)
    {
        if (float.IsNaN(x)) return BitConverter.UInt32BitsToSingle(0x7FC00000);
        uint bits = BitConverter.SingleToUInt32Bits(x);
        uint lsb = (bits >> 16) & 1;
        return BitConverter.UInt32BitsToSingle((bits + 0x7FFF + lsb) & 0xFFFF0000);
    }

    /// <summary>
    /// A double to bfloat16 the way PyTorch's <c>tensor.bfloat16()</c> converts float64: through
    /// float32 first (so it can round twice), measured against PyTorch 2.14 on values just below
    /// bfloat16 midpoints.
    /// </summary>
    public static float Round(double x) => Round((float)x);
}
