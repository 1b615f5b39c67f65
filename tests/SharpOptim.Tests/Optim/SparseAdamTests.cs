using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>SparseAdam behaviour beyond the recorded fixtures: the kernel's vector body and parallel dispatch, untouched rows, refusals.</summary>
public class SparseAdamTests
{
    /// <summary>A sparse gradient of <paramref name="entries"/> random rows (repeats included) of a rows×width weight.</summary>
    private static Tensor RandomSparseGrad(int rows, int width, int entries, DType dtype, int seed)
    {
        var random = new Random(seed);
        var indices = Enumerable.Range(0, entries).Select(_ => (long)random.Next(rows)).ToArray();
        var values = Torch.Randn([entries, width], dtype, new Generator(seed));
        return Torch.SparseCooTensor(Torch.Tensor(indices, [1, entries]), values, [rows, width]);
    }

    private static (Tensor Weight, SparseAdam Optimizer) Train(DType dtype, bool? forEach, bool? fused, bool maximize, int rows, int width, int entries)
    {
        var weight = Torch.Randn([rows, width], dtype, new Generator(7)).RequiresGrad_();
        var optimizer = new SparseAdam([weight], lr: 0.01, maximize: maximize, @foreach: forEach, fused: fused);
        for (int step = 0; step < 3; step++)
        {
            weight.Grad = RandomSparseGrad(rows, width, entries, dtype, seed: 100 + step);
            optimizer.Step();
        }
        return (weight, optimizer);
    }

    /// <summary>
    /// Rows 37 wide run the kernel's vector body and its scalar tail (the recorded embedding is only
    /// 3 wide), and 4000 entries × 37 values are enough for the parallel dispatch. The foreach kernel
    /// must equal the reference path bit for bit; the fused kernel the weight within the tolerances
    /// and the moments within 1e-4 in float32: on random gradients some exp_avg entries cancel to
    /// near zero (g − m with m of the other sign), where the fused multiply-add's one-ulp
    /// difference is a large relative one (measured 2.3e-5).
    /// </summary>
    [Theory]
    [InlineData(DType.Float32, false)]
    [InlineData(DType.Float64, true)]
    public void KernelOnWideRowsAndManyEntriesMatchesTheReference(DType dtype, bool maximize)
    {
        const int rows = 5000, width = 37, entries = 4000;
        var (reference, refOptimizer) = Train(dtype, forEach: false, fused: null, maximize, rows, width, entries);
        var (exact, exactOptimizer) = Train(dtype, forEach: true, fused: null, maximize, rows, width, entries);
        var (fused, fusedOptimizer) = Train(dtype, forEach: null, fused: true, maximize, rows, width, entries);
        Tolerance.AssertIdentical(exact, reference, "foreach weight");
        Tolerance.AssertClose(fused, reference.ToDoubleArray(), dtype, "fused weight");
        foreach (var key in new[] { "exp_avg", "exp_avg_sq" })
        {
            var expected = (Tensor)refOptimizer.State[reference][key]!;
            Tolerance.AssertIdentical((Tensor)exactOptimizer.State[exact][key]!, expected, $"foreach {key}");
            Tolerance.AssertClose((Tensor)fusedOptimizer.State[fused][key]!, expected.ToDoubleArray(), dtype, $"fused {key}",
                dtype == DType.Float32 ? 1e-4 : null);
        }
    }

    /// <summary>
    /// Rows wider than the kernel's merge block (256), each repeated in the gradient: the kernel sums
    /// a repeated row's entries block by block, and must still equal the reference path (which
    /// coalesces first) bit for bit.
    /// </summary>
    [Fact]
    public void RepeatedWideRowsAreMergedAsCoalesceMerges()
    {
        var (reference, refOptimizer) = Train(DType.Float32, forEach: false, fused: null, maximize: false, rows: 12, width: 300, entries: 40);
        var (exact, exactOptimizer) = Train(DType.Float32, forEach: true, fused: null, maximize: false, rows: 12, width: 300, entries: 40);
        Tolerance.AssertIdentical(exact, reference, "foreach weight");
        foreach (var key in new[] { "exp_avg", "exp_avg_sq" })
            Tolerance.AssertIdentical((Tensor)exactOptimizer.State[exact][key]!, (Tensor)refOptimizer.State[reference][key]!, $"foreach {key}");
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(null, true)]
    public void RowsTheGradientDoesNotHoldAreNotTouched(bool? forEach, bool? fused)
    {
        var weight = Torch.Randn([6, 4], DType.Float32, new Generator(3)).RequiresGrad_();
        var before = weight.ToDoubleArray();
        var optimizer = new SparseAdam([weight], @foreach: forEach, fused: fused);
        weight.Grad = Torch.SparseCooTensor(Torch.Tensor([4L, 1L, 4L], [1, 3]), Torch.Ones([3, 4]), [6, 4]);
        optimizer.Step();
        var after = weight.ToDoubleArray();
        var expAvg = ((Tensor)optimizer.State[weight]["exp_avg"]!).ToDoubleArray();
        for (int row = 0; row < 6; row++)
            for (int c = 0; c < 4; c++)
            {
                int i = row * 4 + c;
                bool touched = row is 1 or 4;
                Assert.Equal(touched, after[i] != before[i]);
                Assert.Equal(touched, expAvg[i] != 0);
            }
    }

    [Fact]
    public void ADenseGradientAnywhereIsRefusedBeforeAnythingChanges()
    {
        var sparse = Torch.Randn([4, 2], DType.Float32, new Generator(1)).RequiresGrad_();
        var dense = Torch.Randn([3], DType.Float32, new Generator(2)).RequiresGrad_();
        var before = sparse.ToDoubleArray();
        var optimizer = new SparseAdam([new ParamGroup([sparse]), new ParamGroup([dense])]);
        sparse.Grad = Torch.SparseCooTensor(Torch.Tensor([0L], [1, 1]), Torch.Ones([1, 2]), [4, 2]);
        dense.Grad = Torch.OnesLike(dense);
        var error = Assert.Throws<InvalidOperationException>(() => optimizer.Step());
        Assert.Contains("SparseAdam does not support dense gradients", error.Message);
        Assert.Empty(optimizer.State);
        Assert.Equal(before, sparse.ToDoubleArray());
    }

    [Fact]
    public void FusedAndForeachTogetherAreRefused()
        => Assert.Throws<InvalidOperationException>(() => new SparseAdam([new Parameter(Torch.Zeros(2))], @foreach: true, fused: true));

    [Fact]
    public void TrainsASparseEmbedding()
    {
        Torch.ManualSeed(5);
        var embedding = new Embedding(10, 3, sparse: true);
        var optimizer = new SparseAdam(embedding.Parameters(), lr: 0.05);
        var idx = Torch.Tensor([1L, 4L, 4L, 7L]);
        double Loss() => embedding.Forward(idx).Square().Mean().Item();
        double first = Loss();
        for (int i = 0; i < 20; i++)
        {
            optimizer.ZeroGrad();
            var loss = embedding.Forward(idx).Square().Mean();
            loss.Backward();
            optimizer.Step();
        }
        Assert.True(Loss() < 0.5 * first, $"loss {Loss()} did not fall from {first}");
    }
}
