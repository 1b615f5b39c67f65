using Xunit;

namespace SharpOptim.Tests.Tensors;

/// <summary>
/// A generator shared by threads (as <see cref="Torch.DefaultGenerator"/> is) gives each tensor op
/// a contiguous piece of its stream, as PyTorch's CPU generator does under its mutex: the values
/// drawn on four threads are exactly the serial stream's, cut at op boundaries, none torn, none
/// drawn twice.
/// </summary>
public class GeneratorThreadSafetyTests
{
    [Fact]
    public void Concurrent_ops_on_a_shared_generator_take_whole_pieces_of_its_stream()
    {
        const int Threads = 4, OpsPerThread = 300, Size = 257;
        var shared = new Generator(11);
        var drawn = new double[Threads * OpsPerThread][];
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            for (int op = 0; op < OpsPerThread; op++)
                drawn[i * OpsPerThread + op] = Torch.Rand([Size], DType.Float64, shared).ToArray<double>();
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();

        // Where each value sits in the serial stream (53-bit uniforms: no repeats among these).
        var serial = new Generator(11);
        var position = new Dictionary<double, int>();
        for (int i = 0; i < drawn.Length * Size; i++) position.Add(serial.NextDouble(), i);

        var starts = new HashSet<int>();
        foreach (var piece in drawn)
        {
            Assert.True(position.TryGetValue(piece[0], out int first), "a value that is not in the serial stream (torn state)");
            Assert.Equal(0, first % Size);
            for (int j = 1; j < Size; j++)
                Assert.True(position.TryGetValue(piece[j], out int at) && at == first + j, "an op's values are not one contiguous piece of the stream");
            Assert.True(starts.Add(first), "two ops drew the same piece of the stream");
        }
    }
}
