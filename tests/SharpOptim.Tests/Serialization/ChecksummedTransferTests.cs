using SharpOptim.Serialization;
using Xunit;
using Reference = System.IO.Hashing.Crc32;

namespace SharpOptim.Tests.Serialization;

/// <summary>The zip reader and writer move a record and checksum it in one pass: every byte moves once, in order, and the checksum is the record's.</summary>
public class ChecksummedTransferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(ChecksummedTransfer.CacheSlice)]
    [InlineData(3 * ChecksummedTransfer.CacheSlice + 12345)]
    public void EveryByteIsReadOnceInOrderAndTheChecksumIsTheRecords(int length)
    {
        var source = new byte[length];
        new Random(length).NextBytes(source);
        var file = new MemoryStream(source);
        var destination = new byte[length];
        uint crc = ChecksummedTransfer.Run(destination, slice => file.ReadExactly(slice));
        Assert.Equal(length, file.Position);
        Assert.True(source.AsSpan().SequenceEqual(destination));
        Assert.Equal(Reference.HashToUInt32(source), crc);
    }

    /// <summary>A read that fails part way (a truncated file) fails the transfer there.</summary>
    [Fact]
    public void AFailingStepFailsTheTransfer()
    {
        var destination = new byte[4 * ChecksummedTransfer.CacheSlice];
        int steps = 0;
        var e = Assert.Throws<EndOfStreamException>(() => ChecksummedTransfer.Run(destination, _ =>
        {
            if (++steps == 3) throw new EndOfStreamException("truncated");
        }));
        Assert.Equal("truncated", e.Message);
        Assert.Equal(3, steps);
    }
}
