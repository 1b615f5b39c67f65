using SharpOptim.Serialization;
using Xunit;

namespace SharpOptim.Tests.Serialization;

/// <summary>
/// A record of several <see cref="ChecksummedTransfer.Chunk"/>s goes through the overlapped path
/// on save and load (whenever more than one thread is allowed): it comes back bit for bit, and a
/// byte changed in a chunk that another thread checksums is still caught.
/// </summary>
public class LargeCheckpointTests
{
    private static byte[] SavedLargeTensor(out Tensor tensor)
    {
        tensor = Torch.Randn([3 * ChecksummedTransfer.Chunk / sizeof(float) + 7], generator: new Generator(3));
        using var stream = new MemoryStream();
        Torch.Save(new OrderedDictionary<string, object?> { ["weight"] = tensor }, stream);
        return stream.ToArray();
    }

    [Fact]
    public void ALargeTensorComesBackBitForBit()
    {
        var file = SavedLargeTensor(out var tensor);
        var loaded = Torch.Load<OrderedDictionary<string, object?>>(new MemoryStream(file));
        Assert.Equal(tensor.ToArray<float>(), ((Tensor)loaded["weight"]!).ToArray<float>());
    }

    [Fact]
    public void AByteChangedInALaterChunkFailsTheCrc()
    {
        var file = SavedLargeTensor(out _);
        file[file.Length * 3 / 4] ^= 0x10;   // inside the tensor's record, in its third chunk
        var e = Assert.Throws<CheckpointFormatException>(() => Torch.Load(new MemoryStream(file)));
        Assert.Contains("fails its CRC-32 check", e.Message);
    }
}
