using SharpOptim.Serialization;
using Xunit;
using Reference = System.IO.Hashing.Crc32;

namespace SharpOptim.Tests.Serialization;

/// <summary>
/// The zip reader and writer move a record and checksum it in one go: slice by slice on one
/// thread, or in chunks checksummed by other threads. Either way every byte moves once, in order,
/// and the checksum is the record's.
/// </summary>
public class ChecksummedTransferTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1000, 0)]
    [InlineData(3 * ChecksummedTransfer.Chunk + 12345, 0)]
    [InlineData(2 * ChecksummedTransfer.Chunk, 1)]
    [InlineData(3 * ChecksummedTransfer.Chunk + 12345, 1)]
    [InlineData(5 * ChecksummedTransfer.Chunk - 1, 3)]
    public void EveryByteIsReadOnceInOrderAndTheChecksumIsTheRecords(int length, int helpers)
    {
        var source = new byte[length];
        new Random(length).NextBytes(source);
        var file = new MemoryStream(source);
        var destination = new byte[length];
        uint crc = ChecksummedTransfer.Run(destination, piece => file.ReadExactly(piece), helpers);
        Assert.Equal(length, file.Position);
        Assert.True(source.AsSpan().SequenceEqual(destination));
        Assert.Equal(Reference.HashToUInt32(source), crc);
    }

    /// <summary>A read that fails part way (a truncated file) fails the transfer, after the checksums in flight have finished.</summary>
    [Fact]
    public void AFailingStepFailsTheTransfer()
    {
        var destination = new byte[4 * ChecksummedTransfer.Chunk];
        int steps = 0;
        var e = Assert.Throws<EndOfStreamException>(() => ChecksummedTransfer.Run(destination, piece =>
        {
            if (++steps == 3) throw new EndOfStreamException("truncated");
        }, helpers: 2));
        Assert.Equal("truncated", e.Message);
        Assert.Equal(3, steps);
    }
}
