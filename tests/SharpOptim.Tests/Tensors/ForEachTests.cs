using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Tensors;

/// <summary>
/// Torch.ForEach against the per-tensor operations it stands for: every overload, in float32
/// and float64, must give bit-identical results to a loop of the per-tensor op (PyTorch's CPU
/// foreach path is that loop), and a call that fails must leave every tensor as it was.
/// </summary>
public class ForEachTests
{
    private static readonly int[][] Shapes = [[3, 4], [5], [], [2, 1, 3]];

    /// <summary>One tensor per shape, values in [-2, 2) away from zero so divisions stay finite.</summary>
    private static Tensor[] List(DType dtype, int seed)
    {
        var gen = new Generator(seed);
        return Shapes.Select(s => Torch.Rand(s, dtype, gen).Mul(4).Sub(2).Add(0.01)).ToArray();
    }

    private static Tensor[] Clones(IEnumerable<Tensor> tensors) => tensors.Select(t => t.Clone()).ToArray();

    private static readonly double[] Scalars = [0.3, -1.7, 2.5, 1e-3];

    /// <summary>name → (foreach call on a list, the same op on one tensor with its index).</summary>
    private static readonly Dictionary<string, (Action<Tensor[], Tensor[], Tensor[]> ForEach, Action<Tensor, Tensor, Tensor, int> Single)> InPlaceOps = new()
    {
        ["add_scalar"] = ((s, _, _) => Torch.ForEach.Add_(s, 0.3), (t, _, _, _) => t.Add_(0.3)),
        ["add_scalar_list"] = ((s, _, _) => Torch.ForEach.Add_(s, Scalars), (t, _, _, i) => t.Add_(Scalars[i])),
        ["add_list_alpha"] = ((s, o, _) => Torch.ForEach.Add_(s, o, alpha: -0.7), (t, o, _, _) => t.Add_(o, -0.7)),
        ["add_tensor_alpha"] = ((s, _, _) => Torch.ForEach.Add_(s, Torch.Scalar(1.25), alpha: 3), (t, _, _, _) => t.Add_(Torch.Scalar(1.25), 3)),
        ["sub_scalar"] = ((s, _, _) => Torch.ForEach.Sub_(s, 0.3), (t, _, _, _) => t.Sub_(0.3)),
        ["sub_scalar_list"] = ((s, _, _) => Torch.ForEach.Sub_(s, Scalars), (t, _, _, i) => t.Sub_(Scalars[i])),
        ["sub_list_alpha"] = ((s, o, _) => Torch.ForEach.Sub_(s, o, alpha: 0.1), (t, o, _, _) => t.Sub_(o, 0.1)),
        ["mul_scalar"] = ((s, _, _) => Torch.ForEach.Mul_(s, 0.3), (t, _, _, _) => t.Mul_(0.3)),
        ["mul_scalar_list"] = ((s, _, _) => Torch.ForEach.Mul_(s, Scalars), (t, _, _, i) => t.Mul_(Scalars[i])),
        ["mul_list"] = ((s, o, _) => Torch.ForEach.Mul_(s, o), (t, o, _, _) => t.Mul_(o)),
        ["mul_tensor"] = ((s, _, _) => Torch.ForEach.Mul_(s, Torch.Scalar(0.3, DType.Float64)), (t, _, _, _) => t.Mul_(Torch.Scalar(0.3, DType.Float64))),
        ["div_scalar"] = ((s, _, _) => Torch.ForEach.Div_(s, 3.0), (t, _, _, _) => t.Div_(3.0)),
        ["div_scalar_list"] = ((s, _, _) => Torch.ForEach.Div_(s, Scalars), (t, _, _, i) => t.Div_(Scalars[i])),
        ["div_list"] = ((s, o, _) => Torch.ForEach.Div_(s, o), (t, o, _, _) => t.Div_(o)),
        ["div_tensor"] = ((s, _, _) => Torch.ForEach.Div_(s, Torch.Scalar(7.0)), (t, _, _, _) => t.Div_(Torch.Scalar(7.0))),
        ["lerp_scalar_small"] = ((s, o, _) => Torch.ForEach.Lerp_(s, o, 1.0 / 3), (t, o, _, _) => t.Lerp_(o, 1.0 / 3)),
        ["lerp_scalar_large"] = ((s, o, _) => Torch.ForEach.Lerp_(s, o, 0.999), (t, o, _, _) => t.Lerp_(o, 0.999)),
        ["lerp_scalar_list"] = ((s, o, _) => Torch.ForEach.Lerp_(s, o, [0.1, 0.5, 0.9, 0.001]), (t, o, _, i) => t.Lerp_(o, new[] { 0.1, 0.5, 0.9, 0.001 }[i])),
        ["lerp_tensor_list"] = ((s, o, w) => Torch.ForEach.Lerp_(s, o, w), (t, o, w, _) => t.Lerp_(o, w)),
        ["copy"] = ((s, o, _) => Torch.ForEach.Copy_(s, o), (t, o, _, _) => t.Copy_(o)),
    };

    public static IEnumerable<object[]> InPlaceCases()
        => from name in InPlaceOps.Keys from dtype in new[] { "float32", "float64" } select new object[] { name, dtype };

    [Theory]
    [MemberData(nameof(InPlaceCases))]
    public void InPlaceOpsEqualTheLoopOfPerTensorOpsBitForBit(string name, string dtypeName)
    {
        var dtype = Fixture.DType(dtypeName);
        var (forEach, single) = InPlaceOps[name];
        var self = List(dtype, 1);
        var other = List(dtype, 2);
        var weights = List(dtype, 3).Select(w => w.Abs().Div(2)).ToArray();
        var expected = Clones(self);
        for (int i = 0; i < expected.Length; i++) single(expected[i], other[i], weights[i], i);
        var before = Clones(other);

        forEach(self, other, weights);

        for (int i = 0; i < self.Length; i++)
        {
            Tolerance.AssertIdentical(self[i], expected[i], $"{name} tensor {i}");
            Tolerance.AssertIdentical(other[i], before[i], $"{name} operand {i} untouched");
        }
    }

    [Theory]
    [InlineData("float32")]
    [InlineData("float64")]
    public void OutOfPlaceOpsEqualThePerTensorOpsAndLeaveTheirInputs(string dtypeName)
    {
        var dtype = Fixture.DType(dtypeName);
        var a = List(dtype, 4);
        var b = List(dtype, 5);
        var (a0, b0) = (Clones(a), Clones(b));
        var cases = new (string, Tensor[], Func<int, Tensor>)[]
        {
            ("add", Torch.ForEach.Add(a, b, alpha: 0.5), i => a[i].Add(b[i], 0.5)),
            ("add_scalar", Torch.ForEach.Add(a, 0.25), i => a[i].Add(0.25)),
            ("sub", Torch.ForEach.Sub(a, b), i => a[i].Sub(b[i])),
            ("sub_scalar", Torch.ForEach.Sub(a, 0.25), i => a[i].Sub(0.25)),
            ("mul", Torch.ForEach.Mul(a, b), i => a[i].Mul(b[i])),
            ("mul_scalar", Torch.ForEach.Mul(a, 3.0), i => a[i].Mul(3.0)),
            ("div", Torch.ForEach.Div(a, b), i => a[i].Div(b[i])),
            ("div_scalar", Torch.ForEach.Div(a, 3.0), i => a[i].Div(3.0)),
            ("lerp", Torch.ForEach.Lerp(a, b, 0.75), i => a[i].Lerp(b[i], 0.75)),
        };
        foreach (var (name, result, single) in cases)
        {
            Assert.Equal(a.Length, result.Length);
            for (int i = 0; i < a.Length; i++) Tolerance.AssertIdentical(result[i], single(i), $"{name} {i}");
        }
        for (int i = 0; i < a.Length; i++)
        {
            Tolerance.AssertIdentical(a[i], a0[i], "first list untouched");
            Tolerance.AssertIdentical(b[i], b0[i], "second list untouched");
        }
    }

    [Fact]
    public void SecondOperandsBroadcastAndCopyCastsAcrossDTypes()
    {
        Tensor[] self = [Torch.Zeros([2, 3], DType.Float64), Torch.Zeros([4], DType.Float32)];
        Torch.ForEach.Add_(self, [Torch.Tensor([1f, 2f, 3f]), Torch.Scalar(5)], alpha: 2);
        Assert.Equal([2.0, 4, 6, 2, 4, 6], self[0].ToDoubleArray());
        Assert.Equal([10.0, 10, 10, 10], self[1].ToDoubleArray());

        Tensor[] targets = [Torch.Zeros([2], DType.Int64), Torch.Zeros([2], DType.Float32)];
        Torch.ForEach.Copy_(targets, [Torch.Tensor([3.0, -2.0]), Torch.Tensor([7L, 8L])]);
        Assert.Equal([3L, -2L], targets[0].ToArray<long>());
        Assert.Equal([7f, 8f], targets[1].ToArray<float>());
    }

    [Fact]
    public void AFailingCallChangesNoTensor()
    {
        var self = List(DType.Float32, 6);
        var before = Clones(self);
        // The last pair does not broadcast: PyTorch would already have changed the first three tensors.
        var other = List(DType.Float32, 7);
        other[^1] = Torch.Zeros(7);
        Assert.Throws<ArgumentException>(() => Torch.ForEach.Add_(self, other));
        // An integer tensor in the list: arithmetic is for floating tensors.
        Tensor[] mixed = [self[0], Torch.Zeros([2], DType.Int64)];
        Assert.Throws<NotSupportedException>(() => Torch.ForEach.Mul_(mixed, 2.0));
        Assert.Throws<InvalidOperationException>(() => Torch.ForEach.Lerp_(self, other.Take(2).ToArray(), 0.5));
        Assert.Throws<InvalidOperationException>(() => Torch.ForEach.Div_(self, [1.0]));
        for (int i = 0; i < self.Length; i++) Tolerance.AssertIdentical(self[i], before[i], $"tensor {i}");
    }

    [Fact]
    public void InPlaceOpsOnNonLeavesAreRecordedLikeThePerTensorOps()
    {
        (Tensor X, Tensor Y) Gradients(bool forEach)
        {
            var x = Torch.Tensor([1.0, 2.0, 3.0], requiresGrad: true);
            var y = Torch.Tensor([0.5, -1.0], requiresGrad: true);
            Tensor[] list = [x.Mul(2), y.Add(1)];
            Tensor[] factors = [x.Square(), y.Exp()];
            if (forEach) Torch.ForEach.Mul_(list, factors);
            else for (int i = 0; i < list.Length; i++) list[i].Mul_(factors[i]);
            list[0].Sum().Add(list[1].Sum()).Backward();
            return (x.Grad!, y.Grad!);
        }
        var (fx, fy) = Gradients(forEach: true);
        var (lx, ly) = Gradients(forEach: false);
        Tolerance.AssertIdentical(fx, lx, "x.grad");
        Tolerance.AssertIdentical(fy, ly, "y.grad");
    }

    [Fact]
    public void NoGradMakesLeavesWritable()
    {
        var p = Torch.Tensor([1f, 2f], requiresGrad: true);
        using (Torch.NoGrad()) Torch.ForEach.Lerp_([p], [Torch.Tensor([3f, 4f])], 0.5);
        Assert.Equal([2f, 3f], p.ToArray<float>());
        Assert.True(p.RequiresGrad);
    }
}
