using SharpOptim.Serialization;
using Xunit;

namespace SharpOptim.Tests.Serialization;

/// <summary>
/// A record of many slices (a 12 MiB tensor), written and read slice by slice with the checksum
/// carried along: it comes back bit for bit, and a byte changed in a late slice is caught.
/// </summary>
public class LargeCheckpointTests
{
    private static byte[] SavedLargeTensor(out Tensor tensor)
    {
        tensor = Torch.Randn([3 * 1024 * 1024 + 7], generator: new Generator(3));
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
    public void AByteChangedInALateSliceFailsTheCrc()
    {
        var file = SavedLargeTensor(out _);
        file[file.Length * 3 / 4] ^= 0x10;   // inside the tensor's record, three quarters in
        var e = Assert.Throws<CheckpointFormatException>(() => Torch.Load(new MemoryStream(file)));
        Assert.Contains("fails its CRC-32 check", e.Message);
    }
}
