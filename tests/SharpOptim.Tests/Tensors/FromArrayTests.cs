using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Tensors;

/// <summary>
/// Torch.FromArray / FromMemory view the caller's memory: no copy is made, writes go both ways,
/// and every optimizer path updates the caller's array in place (and only the viewed part of it).
/// </summary>
public class FromArrayTests
{
    [Fact]
    public void TheTensorIsTheArray()
    {
        var data = new float[] { 1, 2, 3, 4, 5, 6 };
        var t = Torch.FromArray(data, 2, 3);
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal(DType.Float32, t.DType);
        data[4] = 50;                                   // array → tensor
        Assert.Equal(50f, t[1].ToArray<float>()[1]);
        using (Torch.NoGrad()) t.Mul_(2);               // tensor → array
        Assert.Equal(new float[] { 2, 4, 6, 8, 100, 12 }, data);
        Assert.Equal([6], Torch.FromArray(data).Shape); // no shape: 1-D

        var doubles = new double[] { 1, 2 };
        var d = Torch.FromArray(doubles);
        using (Torch.NoGrad()) d.Add_(Torch.Tensor([10.0, 20]));
        Assert.Equal([11.0, 22], doubles);
        Assert.Equal(DType.Float64, d.DType);
    }

    [Fact]
    public void ASliceOfAnArrayIsViewedWhereItLies()
    {
        var data = new double[] { 0, 1, 2, 3, 4, 5, 6, 7 };
        var t = Torch.FromMemory(data.AsMemory(2, 4), 2, 2);
        Assert.Equal([2.0, 3, 4, 5], t.ToDoubleArray());
        using (Torch.NoGrad()) t.Fill_(-1);
        Assert.Equal([0.0, 1, -1, -1, -1, -1, 6, 7], data);
        var longs = new long[] { 1, 2, 3 };
        Torch.FromMemory(longs.AsMemory(1)).AsSpan<long>()[0] = 20;
        Assert.Equal([1L, 20, 3], longs);
    }

    [Fact]
    public void MismatchesAreRefusedClearly()
    {
        var data = new float[6];
        Assert.Contains("shape [4, 2] has 8 elements but the array has 6",
            Assert.Throws<ArgumentException>(() => Torch.FromArray(data, 4, 2)).Message);
        Assert.Contains("shape [5] has 5 elements but the memory has 6",
            Assert.Throws<ArgumentException>(() => Torch.FromMemory(data.AsMemory(), 5)).Message);
        Assert.Contains("negative dimension", Assert.Throws<ArgumentException>(() => Torch.FromArray(data, -2, -3)).Message);
        Assert.Throws<ArgumentNullException>(() => Torch.FromArray((float[])null!, 1));
        Assert.Throws<NotSupportedException>(() => Torch.FromMemory(new int[3].AsMemory()));
        using var native = new NativeMemory(4);
        Assert.Contains("not backed by a managed array", Assert.Throws<ArgumentException>(() => Torch.FromMemory(native.Memory)).Message);
    }

    public static TheoryData<string, bool?, bool?> Paths() => new()
    {
        { "default", null, null },
        { "foreach", true, null },
        { "fused", null, true },
        { "forloop", false, null },
    };

    /// <summary>
    /// An Adam and an SGD step over the caller's arrays, on every path: the arrays hold the new
    /// values (the same bits as a step over an ordinary tensor), the elements around a viewed
    /// slice are untouched, and the big tensor goes through the kernel workers.
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void AnOptimizerStepUpdatesTheCallersArrayInPlace(string path, bool? @foreach, bool? fused)
    {
        const int big = 100_000, pad = 3;
        var gen = new Generator(11);
        float[] Draw(int n) => Torch.Randn([n], generator: gen).ToArray<float>();
        var small = Draw(6);
        var largeWithPadding = Draw(big + 2 * pad);
        var smallGrad = Draw(6);
        var largeGrad = Draw(big);

        foreach (var makeOptimizer in new Func<OptimizerParams, Optimizer>[]
                 {
                     ps => new Adam(ps, lr: 0.01, @foreach: @foreach, fused: fused),
                     ps => new SGD(ps, lr: 0.1, momentum: 0.9, @foreach: @foreach, fused: fused),
                 })
        {
            var ownSmall = (float[])small.Clone();
            var ownLarge = (float[])largeWithPadding.Clone();
            var wrapped = new[]
            {
                new Parameter(Torch.FromArray(ownSmall, 2, 3)),
                new Parameter(Torch.FromMemory(ownLarge.AsMemory(pad, big))),
            };
            var copied = new[]
            {
                new Parameter(Torch.Tensor((float[])small.Clone(), [2, 3])),
                new Parameter(Torch.Tensor(largeWithPadding.AsSpan(pad, big).ToArray())),
            };
            var viaArrays = makeOptimizer(wrapped);
            var viaCopies = makeOptimizer(copied);
            for (int step = 0; step < 3; step++)
            {
                wrapped[0].Grad = Torch.Tensor((float[])smallGrad.Clone(), [2, 3]);
                wrapped[1].Grad = Torch.Tensor((float[])largeGrad.Clone());
                copied[0].Grad = Torch.Tensor((float[])smallGrad.Clone(), [2, 3]);
                copied[1].Grad = Torch.Tensor((float[])largeGrad.Clone());
                viaArrays.Step();
                viaCopies.Step();
            }
            Assert.Equal(copied[0].ToArray<float>(), ownSmall);
            Assert.Equal(copied[1].ToArray<float>(), ownLarge.AsSpan(pad, big).ToArray());
            Assert.Equal(wrapped[1].ToArray<float>(), ownLarge.AsSpan(pad, big).ToArray());
            Assert.NotEqual(small, ownSmall);
            Assert.Equal(largeWithPadding[..pad], ownLarge[..pad]);
            Assert.Equal(largeWithPadding[^pad..], ownLarge[^pad..]);
            Assert.NotNull(path);
        }
    }

    /// <summary>The README's loop: Adam minimises Σw² over the caller's weights with the caller's gradients array.</summary>
    [Fact]
    public void TheReadmeLoopOptimisesTheCallersArrays()
    {
        float[] weights = [3f, -2f];
        float[] gradients = new float[weights.Length];
        var w = new Parameter(Torch.FromArray(weights));
        w.Grad = Torch.FromArray(gradients);
        var adam = new Adam([w], lr: 0.1);
        for (int step = 0; step < 300; step++)
        {
            for (int i = 0; i < weights.Length; i++) gradients[i] = 2 * weights[i];
            adam.Step();
        }
        Assert.All(weights, v => Assert.True(Math.Abs(v) < 0.05, $"{v}"));
        Assert.Equal(weights, w.ToArray<float>());
        adam.ZeroGrad(setToNone: false);                  // zeroes the caller's gradients in place
        Assert.Equal([0f, 0f], gradients);
        gradients[1] = 5;
        Assert.Equal(5f, w.Grad!.ToArray<float>()[1]);
    }

    /// <summary>Unmanaged memory, which a tensor cannot view.</summary>
    private sealed unsafe class NativeMemory(int length) : System.Buffers.MemoryManager<float>
    {
        private readonly nint _pointer = (nint)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)(length * sizeof(float)));

        public override Span<float> GetSpan() => new((void*)_pointer, length);

        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => new((float*)_pointer + elementIndex);

        public override void Unpin() { }

        protected override void Dispose(bool disposing) => System.Runtime.InteropServices.NativeMemory.Free((void*)_pointer);
    }
}
