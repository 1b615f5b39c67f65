using Xunit;

namespace SharpOptim.Tests.Tensors;

public class TensorBasicsTests
{
    // ------------------------------------------------------------ creation and shapes

    [Fact]
    public void Int64TensorsCompareElementWise()
    {
        var predicted = Torch.Tensor([1L, 2L, 3L]);
        var labels = Torch.Tensor([1L, 0L, 3L]);
        Assert.Equal([true, false, true], predicted.Eq(labels).ToArray<bool>());
        Assert.Equal([false, true, false], predicted.Gt(labels).ToArray<bool>());
        Assert.Equal([false, true, false], predicted.Eq(2).ToArray<bool>());
    }

    [Fact]
    public void Factories()
    {
        var z = Torch.Zeros(2, 3);
        Assert.Equal([2, 3], z.Shape);
        Assert.Equal(2, z.Dim);
        Assert.Equal(6, z.Numel);
        Assert.Equal(3, z.Size(-1));
        Assert.Equal(DType.Float32, z.DType);
        Assert.All(z.ToDoubleArray(), v => Assert.Equal(0.0, v));
        Assert.All(Torch.Ones([4], DType.Float64).ToDoubleArray(), v => Assert.Equal(1.0, v));
        Assert.All(Torch.Full([2, 2], -1.5).ToDoubleArray(), v => Assert.Equal(-1.5, v));
        Assert.Equal(0, Torch.Scalar(3.0).Dim);
        Assert.Equal(3.0, Torch.Scalar(3.0).Item());
        Assert.Equal([0.0, 0.5, 1.0, 1.5], Torch.Arange(0, 2, 0.5).ToDoubleArray());
        Assert.Equal([0L, 1, 2], Torch.Arange(3, DType.Int64).ToArray<long>());
        Assert.Equal([2, 3], Torch.ZerosLike(z).Shape);
        Assert.Equal(DType.Float64, Torch.ZerosLike(Torch.Ones([1], DType.Float64)).DType);
        var t = Torch.Tensor([1.0, 2, 3, 4, 5, 6], [2, 3]);
        Assert.Equal(DType.Float64, t.DType);
        Assert.Equal(6.0, t[1].ToDoubleArray()[2]);
        Assert.Equal(DType.Float32, Torch.Tensor([1f, 2f]).DType);
        Assert.Equal(DType.Bool, Torch.Tensor([true]).DType);
        Assert.Equal("6 values do not fill shape [4]", Assert.Throws<ArgumentException>(() => Torch.Tensor([1.0, 2, 3, 4, 5, 6], [4])).Message);
        Assert.Throws<ArgumentException>(() => Torch.Zeros(-1, 2));
    }

    [Fact]
    public void EmptyLikeHasTheShapeAndDTypeInItsOwnStorage()
    {
        var t = Torch.Tensor([1.0, 2, 3, 4, 5, 6], [2, 3]);
        var e = Torch.EmptyLike(t);
        Assert.Equal([2, 3], e.Shape);
        Assert.Equal(DType.Float64, e.DType);
        Assert.NotSame(t.Storage, e.Storage);
        Assert.False(e.RequiresGrad);
    }

    [Fact]
    public void RandomFactoriesAreSeededAndInRange()
    {
        var a = Torch.Randn([50], DType.Float64, new Generator(42)).ToDoubleArray();
        var b = Torch.Randn([50], DType.Float64, new Generator(42)).ToDoubleArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, Torch.Randn([50], DType.Float64, new Generator(43)).ToDoubleArray());
        Assert.All(Torch.Rand([1000], DType.Float64, new Generator(1)).ToDoubleArray(), v => Assert.InRange(v, 0, 1 - 1e-17));
        var perm = Torch.RandPerm(10, new Generator(2)).ToArray<long>();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), perm.Order());
        // Re-seeding restarts the stream. (A private generator: other test classes run in
        // parallel and draw from the default one.)
        var g = new Generator(7);
        var s1 = Torch.Rand([3], generator: g).ToDoubleArray();
        g.ManualSeed(7);
        Assert.Equal(s1, Torch.Rand([3], generator: g).ToDoubleArray());
    }

    // ------------------------------------------------------------ views share storage

    [Fact]
    public void ViewsShareStorage()
    {
        var t = Torch.Arange(12, DType.Float64).Reshape(3, 4);
        var flat = t.Flatten();
        var view = t.View(4, 3);
        var rows = t.Narrow(0, 1, 2);
        var row = t[2];
        var detached = t.Detach();
        flat.AsSpan<double>()[0] = 100;
        Assert.Equal(100, t.ToDoubleArray()[0]);
        Assert.Equal(100, view.ToDoubleArray()[0]);
        rows.Fill_(-1);
        Assert.Equal([100.0, 1, 2, 3, -1, -1, -1, -1, -1, -1, -1, -1], t.ToDoubleArray());
        row.Mul_(2);
        Assert.Equal([-2.0, -2, -2, -2], t.Select(-1).ToDoubleArray());
        detached.Zero_();
        Assert.All(t.ToDoubleArray(), v => Assert.Equal(0.0, v));
        var clone = t.Clone();
        clone.Fill_(5);
        Assert.All(t.ToDoubleArray(), v => Assert.Equal(0.0, v));
        Assert.Equal([6, 2], t.Reshape(-1, 2).Shape);
        Assert.Equal([2, 4], t.Slice(1, 3).Shape);
    }

    [Fact]
    public void ViewErrors()
    {
        var t = Torch.Zeros(2, 3);
        Assert.Equal("shape '[4, -1]' is invalid for input of size 6", Assert.Throws<ArgumentException>(() => t.Reshape(4, -1)).Message);
        Assert.Equal("shape '[5]' is invalid for input of size 6", Assert.Throws<ArgumentException>(() => t.View(5)).Message);
        Assert.Equal("only one dimension can be inferred", Assert.Throws<ArgumentException>(() => t.Reshape(-1, -1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Narrow(0, 1, 2));
        Assert.Equal("index 2 is out of bounds for dimension 0 with size 2", Assert.Throws<IndexOutOfRangeException>(() => t[2]).Message);
        Assert.Equal("Dimension out of range (expected to be in range of [-2, 1], but got 2)",
            Assert.Throws<ArgumentOutOfRangeException>(() => t.Sum(2)).Message.Split(" (Parameter")[0]);
        Assert.Throws<ArgumentException>(() => Torch.Scalar(1.0).Narrow(0, 0, 1));
    }

    // ------------------------------------------------------------ in-place ops

    [Fact]
    public void InPlaceOpsWriteIntoTheSameTensor()
    {
        var t = Torch.Tensor([1.0, 2, 3, 4], [2, 2]);
        Assert.Same(t, t.Add_(Torch.Tensor([10.0, 20]), alpha: 2));
        Assert.Equal([21.0, 42, 23, 44], t.ToDoubleArray());
        t.Sub_(1).Div_(2).Mul_(Torch.Tensor([1.0, -1], [2, 1]));
        Assert.Equal([10.0, 20.5, -11, -21.5], t.ToDoubleArray());
        t.Clamp_(-11, 11);
        Assert.Equal([10.0, 11, -11, -11], t.ToDoubleArray());
        t.Copy_(Torch.Tensor([7f, 8f])); // broadcast and cast
        Assert.Equal([7.0, 8, 7, 8], t.ToDoubleArray());
        t.Addcmul_(Torch.Ones([2], DType.Float64), Torch.Tensor([2.0, 3]), value: 0.5);
        Assert.Equal([8.0, 9.5, 8, 9.5], t.ToDoubleArray());
        t.Addcdiv_(Torch.Ones([2], DType.Float64), Torch.Tensor([2.0, 4]), value: 2);
        Assert.Equal([9.0, 10, 9, 10], t.ToDoubleArray());
        t.Lerp_(Torch.Zeros([2, 2], DType.Float64), 0.5);
        Assert.Equal([4.5, 5, 4.5, 5], t.ToDoubleArray());
        t.Sqrt_().Square_().Neg_().Abs_();
        Assert.Equal([4.5, 5, 4.5, 5], t.ToDoubleArray(), new Close(1e-14));
        t.Zero_();
        Assert.All(t.ToDoubleArray(), v => Assert.Equal(0.0, v));
        Assert.Equal("output with shape [2] doesn't match the broadcast shape [2, 2]",
            Assert.Throws<ArgumentException>(() => Torch.Zeros([2], DType.Float64).Add_(Torch.Zeros([2, 2], DType.Float64))).Message);
    }

    [Theory]
    [InlineData("reciprocal_")]
    [InlineData("sigmoid_")]
    [InlineData("relu_")]
    public void InPlaceUnaryOpsMatchTheirOutOfPlaceForms(string op)
    {
        Func<Tensor, Tensor> inPlace = op switch
        {
            "reciprocal_" => t => t.Reciprocal_(),
            "sigmoid_" => t => t.Sigmoid_(),
            _ => t => t.Relu_(),
        };
        Func<Tensor, Tensor> outOfPlace = op switch
        {
            "reciprocal_" => t => t.Reciprocal(),
            "sigmoid_" => t => t.Sigmoid(),
            _ => t => t.Relu(),
        };
        foreach (var x in new[] { Torch.Tensor([-2.0, -0.5, 0.0, 0.25, 3.0]), Torch.Tensor([-2f, -0.5f, 0f, 0.25f, 3f]) })
        {
            var target = x.Clone();
            Assert.Same(target, inPlace(target));
            Assert.Equal(outOfPlace(x).ToDoubleArray(), target.ToDoubleArray());
        }
    }

    // ------------------------------------------------------------ broadcasting and promotion

    [Fact]
    public void BroadcastingResults()
    {
        var col = Torch.Tensor([1.0, 2, 3], [3, 1]);
        var row = Torch.Tensor([10.0, 20], [1, 2]);
        var sum = col.Add(row);
        Assert.Equal([3, 2], sum.Shape);
        Assert.Equal([11.0, 21, 12, 22, 13, 23], sum.ToDoubleArray());
        Assert.Equal([10.0, 20, 20, 40, 30, 60], col.Mul(row).ToDoubleArray());
        Assert.Equal([2, 3, 2], Torch.Zeros([2, 1, 2], DType.Float64).Add(sum).Shape);
        Assert.Equal([9.0, 19, 8, 18, 7, 17], row.Sub(col).ToDoubleArray());
        Assert.Equal([6.0, 7, 8], col.Add(Torch.Scalar(5.0, DType.Float64)).ToDoubleArray());
        Assert.Equal("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
            Assert.Throws<ArgumentException>(() => Torch.Zeros(2, 3).Add(Torch.Zeros(2, 4))).Message);
        Assert.Equal("The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0",
            Assert.Throws<ArgumentException>(() => Torch.Zeros(2).Mul(Torch.Zeros(3))).Message);
    }

    [Fact]
    public void DtypePromotion()
    {
        var f32 = Torch.Ones([2], DType.Float32);
        var f64 = Torch.Ones([2], DType.Float64);
        Assert.Equal(DType.Float64, f32.Add(f64).DType);
        Assert.Equal(DType.Float64, f64.Mul(f32).DType);
        Assert.Equal(DType.Float32, f32.Mul(Torch.Scalar(2.0, DType.Float64)).DType); // a 0-d operand does not promote
        Assert.Equal(DType.Float64, Torch.Scalar(2.0, DType.Float32).Mul(f64).DType);
        Assert.Equal(DType.Float32, f32.Mul(2.5).DType);
        Assert.Throws<NotSupportedException>(() => f32.Add(Torch.Tensor([1L, 2])));
        Assert.Throws<NotSupportedException>(() => Torch.Tensor([1L, 2]).Exp());
        Assert.Equal(DType.Float32, f32.To(DType.Float64).To(DType.Float32).DType);
        Assert.Same(f32, f32.To(DType.Float32));
        Assert.Equal((double)(float)0.1, Torch.Tensor([0.1]).Float().ToDoubleArray()[0]);
    }

    // ------------------------------------------------------------ values of ops

    [Fact]
    public void ReductionValues()
    {
        var t = Torch.Tensor([1.0, -2, 3, 4, 5, -6], [2, 3]);
        Assert.Equal(5.0, t.Sum().Item());
        Assert.Equal(5.0 / 6, t.Mean().Item(), 15);
        Assert.Equal([5.0, 3, -3], t.Sum(0).ToDoubleArray());
        Assert.Equal([2, 1], t.Sum(1, keepdim: true).Shape);
        Assert.Equal([1, 3], t.Sum(0, keepdim: true).Shape);
        Assert.Equal([2.0 / 3, 1], t.Mean(-1).ToDoubleArray(), new Close(1e-15));
        Assert.Equal(5.0, t.Max().Item());
        Assert.Equal(-6.0, t.Min().Item());
        var (values, indices) = t.Max(1);
        Assert.Equal([3.0, 5], values.ToDoubleArray());
        Assert.Equal([2L, 1], indices.ToArray<long>());
        Assert.Equal([1L, 1, 0], t.Argmax(0).ToArray<long>());
        Assert.Equal(Math.Sqrt(1 + 4 + 9 + 16 + 25 + 36), t.Norm().Item(), 14);
        Assert.Equal(21.0, t.Norm(1).Item());
        Assert.Equal(6.0, t.Norm(double.PositiveInfinity).Item());
        Assert.Equal([3.0, 6], t.Norm(double.PositiveInfinity, 1).ToDoubleArray());
        Assert.True(double.IsNaN(Torch.Tensor([1.0, double.NaN]).Max().Item()));
    }

    [Fact]
    public void ProductValues()
    {
        var a = Torch.Tensor([1.0, 2, 3, 4, 5, 6], [2, 3]);
        var b = Torch.Tensor([1.0, 0, 0, 1, 1, 1], [3, 2]);
        Assert.Equal([4.0, 5, 10, 11], a.Mm(b).ToDoubleArray());
        Assert.Equal([14.0, 32], a.Matmul(Torch.Tensor([1.0, 2, 3])).ToDoubleArray());
        Assert.Equal([9.0, 12, 15], Torch.Tensor([1.0, 2]).Matmul(a).ToDoubleArray());
        Assert.Equal(32.0, Torch.Tensor([1.0, 2, 3]).Dot(Torch.Tensor([4.0, 5, 6])).Item());
        Assert.Equal([1.0, 4, 2, 5, 3, 6], a.T().ToDoubleArray());
        Assert.Equal("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", Assert.Throws<ArgumentException>(() => a.Mm(a)).Message);
        Assert.Equal("1D tensors expected, but got 2D and 1D tensors", Assert.Throws<ArgumentException>(() => a.Dot(Torch.Zeros(2))).Message);
    }

    [Fact]
    public void ComparisonsWhereAndIndexing()
    {
        var a = Torch.Tensor([1.0, 5, 3]);
        var b = Torch.Tensor([2.0, 5, 1]);
        Assert.Equal(DType.Bool, a.Gt(b).DType);
        Assert.Equal([false, false, true], a.Gt(b).ToArray<bool>());
        Assert.Equal([true, true, false], a.Le(b).ToArray<bool>());
        Assert.Equal([false, true, false], a.Eq(b).ToArray<bool>());
        Assert.Equal([true, false, true], a.Ne(5).ToArray<bool>());
        Assert.Equal([2.0, 5, 3], Torch.Where(a.Ge(b), a, b).ToDoubleArray());
        Assert.Equal([2.0, 5, 3], a.Maximum(b).ToDoubleArray());
        Assert.Equal([3.0, 3, 5], a.IndexSelect(0, Torch.Tensor([2L, 2, 1])).ToDoubleArray());
        var m = Torch.Tensor([1.0, 2, 3, 4], [2, 2]);
        Assert.Equal([2.0, 3], m.Gather(1, Torch.Tensor([1L, 0], [2, 1])).ToDoubleArray());
        Assert.Equal([3.0, 4, 1, 2], m.IndexSelect(0, Torch.Tensor([1L, 0])).ToDoubleArray());
        Assert.Throws<IndexOutOfRangeException>(() => m.IndexSelect(0, Torch.Tensor([2L])));
        var sm = m.Softmax(1).Sum(1).ToDoubleArray();
        Assert.Equal([1.0, 1], sm, new Close(1e-15));
        var big = Torch.Tensor([1000.0, 0]).LogSoftmax(0).ToDoubleArray(); // stable
        Assert.Equal(0.0, big[0]);
        Assert.Equal(-1000.0, big[1]);
    }

    [Fact]
    public void CatStackAndSparse()
    {
        var c = Torch.Cat([Torch.Ones(1, 2), Torch.Zeros(2, 2)]);
        Assert.Equal([3, 2], c.Shape);
        Assert.Equal([1.0, 1, 0, 0, 0, 0], c.ToDoubleArray());
        Assert.Equal([2, 3], Torch.Stack([Torch.Ones(3), Torch.Zeros(3)]).Shape);
        Assert.StartsWith("Sizes of tensors must match except in dimension 0",
            Assert.Throws<ArgumentException>(() => Torch.Cat([Torch.Ones(1, 2), Torch.Ones(1, 3)])).Message);

        var s = Torch.SparseCooTensor(Torch.Tensor([2L, 0, 2], [1, 3]), Torch.Tensor([1.0, 2, 3, 4, 5, 6], [3, 2]), [4, 2]);
        Assert.True(s.IsSparse);
        Assert.False(s.IsCoalesced);
        Assert.Equal([3.0, 4, 0, 0, 6, 8, 0, 0], s.ToDense().ToDoubleArray());
        var co = s.Coalesce();
        Assert.True(co.IsCoalesced);
        Assert.Equal([0L, 2], co.Indices().ToArray<long>());
        Assert.Equal([3.0, 4, 6, 8], co.Values().ToDoubleArray());
        var dense = Torch.Ones([4, 2], DType.Float64);
        dense.Add_(s, alpha: -1);
        Assert.Equal([-2.0, -3, 1, 1, -5, -7, 1, 1], dense.ToDoubleArray());
        Assert.Equal([6.0, 8, 0, 0, 12, 16, 0, 0], s.Add(s).ToDense().ToDoubleArray());
    }

    [Fact]
    public void FormattingAndItem()
    {
        Assert.Equal("tensor([1.0000, 2.5000])", Torch.Tensor([1f, 2.5f]).ToString());
        Assert.Equal("tensor([[1.0000]], dtype=torch.float64, requires_grad=True)", Torch.Ones([1, 1], DType.Float64, requiresGrad: true).ToString());
        Assert.Equal("a Tensor with 2 elements cannot be converted to Scalar", Assert.Throws<InvalidOperationException>(() => Torch.Zeros(2).Item()).Message);
        Assert.Equal(2.5f, Torch.Tensor([2.5f]).Item<float>());
    }

    private sealed class Close(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
