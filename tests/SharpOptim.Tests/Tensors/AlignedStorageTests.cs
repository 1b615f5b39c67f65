using System.Runtime.InteropServices;
using SharpOptim;
using Xunit;

namespace SharpOptim.Tests.Tensors;

/// <summary>
/// Large floating-point storages begin on a 64-byte boundary, as PyTorch's CPU allocator's do: the
/// kernels' 512-bit loads and stores then never straddle two cache lines. The padding before the
/// first element must stay invisible: views, indexing and checkpoints see only the storage's elements.
/// </summary>
public class AlignedStorageTests
{
    private static unsafe long AddressOfFirst<T>(Tensor t) where T : unmanaged
    {
        fixed (T* first = t.Span<T>()) return (long)first;
    }

    public static TheoryData<string> MadeBy => new() { "zeros", "randn", "empty", "result", "clone", "loaded" };

    private static Tensor Make(string how, DType dtype)
    {
        int n = 100_003;   // 400 KB as float32: above the threshold, not a multiple of a vector
        return how switch
        {
            "zeros" => Torch.Zeros([n], dtype),
            "randn" => Torch.Randn([n], dtype, new Generator(1)),
            "empty" => Torch.Empty([n], dtype),
            "result" => Torch.Ones([n], dtype).Add(Torch.Ones([n], dtype)),
            "clone" => Torch.Ones([n], dtype).Clone(),
            "loaded" => RoundTrip(Torch.Ones([n], dtype)),
            _ => throw new ArgumentException(how),
        };
    }

    [Theory]
    [MemberData(nameof(MadeBy))]
    public void LargeFloatStoragesStartOnA64ByteBoundary(string how)
    {
        Assert.Equal(0, AddressOfFirst<float>(Make(how, DType.Float32)) % 64);
        Assert.Equal(0, AddressOfFirst<double>(Make(how, DType.Float64)) % 64);
    }

    [Fact]
    public void ZerosAreZeroAndTheLengthIsTheTensorsOwn()
    {
        var t = Torch.Zeros([100_003]);
        Assert.Equal(100_003, t.Span<float>().Length);
        Assert.All(t.ToDoubleArray(), x => Assert.Equal(0.0, x));
    }

    [Fact]
    public void ViewsIndexingAndCheckpointsSeeOnlyTheElements()
    {
        var data = Enumerable.Range(0, 60_000).Select(i => (float)i).ToArray();
        var source = Torch.Tensor(data).Reshape(20_000, 3).Clone();   // a fresh, aligned storage
        var rows = source.Narrow(0, 5, 10);
        Assert.Equal(data.Skip(15).Take(30).Select(x => (double)x), rows.ToDoubleArray());

        var picked = source.IndexSelect(0, Torch.Tensor(new long[] { 19_999, 0, 7 }));
        Assert.Equal(new double[] { 59_997, 59_998, 59_999, 0, 1, 2, 21, 22, 23 }, picked.ToDoubleArray());

        var loaded = (Tensor)((List<object?>)RoundTripObject(new List<object?> { source, rows })!)[1]!;
        Assert.Equal(rows.ToDoubleArray(), loaded.ToDoubleArray());
    }

    private static Tensor RoundTrip(Tensor t) => (Tensor)RoundTripObject(t)!;

    private static object? RoundTripObject(object? value)
    {
        using var stream = new MemoryStream();
        Torch.Save(value, stream);
        stream.Position = 0;
        var loaded = Torch.Load(stream);
        return loaded is System.Collections.IList list ? list.Cast<object?>().ToList() : loaded;
    }
}
