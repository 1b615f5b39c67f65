using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpOptim.Serialization;

/// <summary>
/// CRC-32 (IEEE 802.3, zip's checksum, reflected polynomial 0xEDB88320). The BCL has none without
/// a package, and the library takes no packages. A checkpoint's tensors are checksummed whole on
/// every save and load, so this must run near memory speed: on x86 with carry-less multiplication
/// the data is folded 64 bytes at a time (Intel's "Fast CRC Computation for Generic Polynomials
/// Using PCLMULQDQ"), elsewhere a slicing-by-16 table loop reads 16 bytes per round.
/// </summary>
internal static class Crc32
{
    private const uint Polynomial = 0xEDB88320u;

    /// <summary>16 tables of 256: table k gives the CRC of a byte followed by k zero bytes, so 16 bytes are folded per round.</summary>
    private static readonly uint[] Tables = BuildTables();

    // The folding constants are x^n mod P for the distance each fold moves data, in the reflected
    // bit order, shifted left by one to undo the one-bit shift of a reflected carry-less product.
    private static readonly ulong FoldBy4Low = FoldConstant(4 * 128 + 32), FoldBy4High = FoldConstant(4 * 128 - 32);
    private static readonly ulong FoldBy1Low = FoldConstant(128 + 32), FoldBy1High = FoldConstant(128 - 32);
    private static readonly ulong Fold64To32 = FoldConstant(64);
    // Barrett reduction of the last 64 bits: mu = floor(x^64 / P) and P itself, both reflected over 33 bits.
    private static readonly ulong BarrettMu = Reflect(QuotientOfXPow64(), 33), BarrettPolynomial = ((ulong)Polynomial << 1) | 1;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(Start, data));

    /// <summary>The running state before any data; feed it to <see cref="Update"/>, then <see cref="Finish"/>.</summary>
    public const uint Start = 0xFFFFFFFFu;

    public static uint Update(uint state, ReadOnlySpan<byte> data)
        => CanFold && data.Length >= FoldMinimum ? UpdateFolded(state, data) : UpdateTables(state, data);

    public static uint Finish(uint state) => ~state;

    /// <summary>Whether this processor runs <see cref="UpdateFolded"/>.</summary>
    public static bool CanFold => Pclmulqdq.IsSupported && Sse2.IsSupported;

    /// <summary>The shortest input <see cref="UpdateFolded"/> takes: four 16-byte lanes.</summary>
    public const int FoldMinimum = 64;

    /// <summary>The portable path: slicing-by-16, then byte by byte for the last 15 bytes at most.</summary>
    internal static uint UpdateTables(uint state, ReadOnlySpan<byte> data)
    {
        var t = Tables;
        while (data.Length >= 16)
        {
            uint a = state ^ BinaryPrimitives.ReadUInt32LittleEndian(data);
            uint b = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            uint c = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
            uint d = BinaryPrimitives.ReadUInt32LittleEndian(data[12..]);
            state = t[15 * 256 + (a & 0xFF)] ^ t[14 * 256 + ((a >> 8) & 0xFF)] ^ t[13 * 256 + ((a >> 16) & 0xFF)] ^ t[12 * 256 + (a >> 24)]
                  ^ t[11 * 256 + (b & 0xFF)] ^ t[10 * 256 + ((b >> 8) & 0xFF)] ^ t[9 * 256 + ((b >> 16) & 0xFF)] ^ t[8 * 256 + (b >> 24)]
                  ^ t[7 * 256 + (c & 0xFF)] ^ t[6 * 256 + ((c >> 8) & 0xFF)] ^ t[5 * 256 + ((c >> 16) & 0xFF)] ^ t[4 * 256 + (c >> 24)]
                  ^ t[3 * 256 + (d & 0xFF)] ^ t[2 * 256 + ((d >> 8) & 0xFF)] ^ t[1 * 256 + ((d >> 16) & 0xFF)] ^ t[d >> 24];
            data = data[16..];
        }
        foreach (byte x in data) state = t[(state ^ x) & 0xFF] ^ (state >> 8);
        return state;
    }

    /// <summary>
    /// The carry-less multiplication path (needs <see cref="CanFold"/> and at least
    /// <see cref="FoldMinimum"/> bytes): four 128-bit lanes are folded forward over the data, then
    /// into one lane, then reduced to 32 bits; the last 15 bytes at most go through the tables.
    /// </summary>
    internal static uint UpdateFolded(uint state, ReadOnlySpan<byte> data)
    {
        if (!CanFold) throw new PlatformNotSupportedException("carry-less multiplication is not available on this processor");
        if (data.Length < FoldMinimum) throw new ArgumentException($"the folded CRC needs at least {FoldMinimum} bytes", nameof(data));
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;

        var x1 = Load(ref start, 0) ^ Vector128.CreateScalar((ulong)state);
        var x2 = Load(ref start, 16);
        var x3 = Load(ref start, 32);
        var x4 = Load(ref start, 48);
        int offset = 64;
        var by4 = Vector128.Create(FoldBy4Low, FoldBy4High);
        for (; length - offset >= 64; offset += 64)
        {
            x1 = Fold(x1, by4) ^ Load(ref start, offset);
            x2 = Fold(x2, by4) ^ Load(ref start, offset + 16);
            x3 = Fold(x3, by4) ^ Load(ref start, offset + 32);
            x4 = Fold(x4, by4) ^ Load(ref start, offset + 48);
        }

        var by1 = Vector128.Create(FoldBy1Low, FoldBy1High);
        x1 = Fold(x1, by1) ^ x2;
        x1 = Fold(x1, by1) ^ x3;
        x1 = Fold(x1, by1) ^ x4;
        for (; length - offset >= 16; offset += 16) x1 = Fold(x1, by1) ^ Load(ref start, offset);

        // 128 bits to 64 (appending the 32 zero bits a CRC implies), then 64 to 32 by Barrett reduction.
        var low32 = Vector128.Create(0xFFFFFFFFUL, 0);
        x1 = Sse2.ShiftRightLogical128BitLane(x1, 8) ^ Pclmulqdq.CarrylessMultiply(x1, by1, 0x10);
        x1 = Sse2.ShiftRightLogical128BitLane(x1, 4) ^ Pclmulqdq.CarrylessMultiply(x1 & low32, Vector128.CreateScalar(Fold64To32), 0x00);
        var barrett = Vector128.Create(BarrettPolynomial, BarrettMu);
        var quotient = Pclmulqdq.CarrylessMultiply(x1 & low32, barrett, 0x10) & low32;
        x1 ^= Pclmulqdq.CarrylessMultiply(quotient, barrett, 0x00);
        state = x1.AsUInt32().GetElement(1);

        return UpdateTables(state, data[offset..]);
    }

    /// <summary>Moves a lane forward by the distance the constants encode: its low half times one, its high half times the other.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Fold(Vector128<ulong> lane, Vector128<ulong> constants)
        => Pclmulqdq.CarrylessMultiply(lane, constants, 0x00) ^ Pclmulqdq.CarrylessMultiply(lane, constants, 0x11);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Load(ref byte start, int offset)
        => Vector128.LoadUnsafe(ref Unsafe.Add(ref start, offset)).AsUInt64();

    private static uint[] BuildTables()
    {
        var tables = new uint[16 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            tables[i] = c;
        }
        for (int k = 1; k < 16; k++)
            for (int i = 0; i < 256; i++)
            {
                uint previous = tables[(k - 1) * 256 + i];
                tables[k * 256 + i] = (previous >> 8) ^ tables[previous & 0xFF];
            }
        return tables;
    }

    /// <summary>x^<paramref name="power"/> mod P, reflected (bit 31 is x^0), shifted left by one.</summary>
    private static ulong FoldConstant(int power)
    {
        uint value = 0x80000000u;
        for (int i = 0; i < power; i++) value = (value & 1) != 0 ? (value >> 1) ^ Polynomial : value >> 1;
        return (ulong)value << 1;
    }

    /// <summary>floor(x^64 / P) in the normal bit order (33 bits), by long division over GF(2).</summary>
    private static ulong QuotientOfXPow64()
    {
        UInt128 remainder = UInt128.One << 64;
        UInt128 divisor = ((UInt128)Reflect(Polynomial, 32) << 0) | (UInt128.One << 32);
        ulong quotient = 0;
        for (int shift = 32; shift >= 0; shift--)
            if (((remainder >> (32 + shift)) & UInt128.One) != UInt128.Zero)
            {
                remainder ^= divisor << shift;
                quotient |= 1UL << shift;
            }
        return quotient;
    }

    private static ulong Reflect(ulong value, int bits)
    {
        ulong result = 0;
        for (int i = 0; i < bits; i++) result |= ((value >> i) & 1) << (bits - 1 - i);
        return result;
    }
}
