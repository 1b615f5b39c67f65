using System.Text;
using SharpOptim.Serialization;
using Xunit;
using Reference = System.IO.Hashing.Crc32;

namespace SharpOptim.Tests.Serialization;

/// <summary>
/// Our CRC-32 (the library takes no packages) against published check values and against
/// System.IO.Hashing's on random data: both of its paths, every length around their block sizes,
/// every alignment of a 16-byte lane, and a running state fed in pieces.
/// </summary>
public class Crc32Tests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xE8B7BE43u)]
    [InlineData("123456789", 0xCBF43926u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x414FA339u)]
    public void MatchesPublishedCheckValues(string text, uint expected)
        => Assert.Equal(expected, Crc32.Compute(Encoding.ASCII.GetBytes(text)));

    /// <summary>Every length up to 300 bytes (all tails of both paths) at every offset within a 16-byte lane.</summary>
    [Fact]
    public void EveryPathMatchesSystemIOHashingForEveryLengthAndAlignment()
    {
        var random = new Random(1);
        var buffer = new byte[300 + 16];
        random.NextBytes(buffer);
        for (int offset = 0; offset < 16; offset++)
            for (int length = 0; length <= 300; length++)
            {
                var data = buffer.AsSpan(offset, length);
                uint expected = Reference.HashToUInt32(data);
                Assert.Equal(expected, Crc32.Compute(data));
                Assert.Equal(expected, Crc32.Finish(Crc32.UpdateTables(Crc32.Start, data)));
                if (Crc32.CanFold && length >= Crc32.FoldMinimum)
                    Assert.Equal(expected, Crc32.Finish(Crc32.UpdateFolded(Crc32.Start, data)));
            }
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(65536 + 7)]
    [InlineData(3 << 20)]
    public void LargeBuffersMatchSystemIOHashing(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        uint expected = Reference.HashToUInt32(data);
        Assert.Equal(expected, Crc32.Compute(data));
        Assert.Equal(expected, Crc32.Finish(Crc32.UpdateTables(Crc32.Start, data)));
        if (Crc32.CanFold) Assert.Equal(expected, Crc32.Finish(Crc32.UpdateFolded(Crc32.Start, data)));
    }

    /// <summary>The zip writer and reader checksum a record slice by slice: the running state must not depend on where the slices end.</summary>
    [Fact]
    public void ARunningStateFedInRandomPiecesGivesTheWholeChecksum()
    {
        var random = new Random(2);
        for (int trial = 0; trial < 50; trial++)
        {
            var data = new byte[random.Next(1, 5000)];
            random.NextBytes(data);
            uint state = Crc32.Start;
            for (int at = 0; at < data.Length;)
            {
                int piece = Math.Min(data.Length - at, random.Next(0, 700));
                state = Crc32.Update(state, data.AsSpan(at, piece));
                at += piece;
            }
            Assert.Equal(Reference.HashToUInt32(data), Crc32.Finish(state));
        }
    }

    [Fact]
    public void TheFoldedPathRefusesInputShorterThanItsFourLanes()
    {
        if (!Crc32.CanFold) return;
        Assert.Throws<ArgumentException>(() => Crc32.UpdateFolded(Crc32.Start, new byte[Crc32.FoldMinimum - 1]));
    }
}
