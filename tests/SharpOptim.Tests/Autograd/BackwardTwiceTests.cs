using System.Text.Json.Nodes;
using SharpOptim.Autograd;
using SharpOptim.NN;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Autograd;

/// <summary>
/// A second backward through the same graph, against autograd_backward_twice.json
/// (tools/golden/autograd_backward_twice.py): PyTorch frees what a node saved once its backward
/// ran, so backward again through any node that saved values throws, with PyTorch's message and
/// no gradient changed; through nodes that saved nothing (sums, adds, views) it runs again and
/// accumulates, as in PyTorch. <c>retainGraph</c> keeps the saved values for one more backward.
/// </summary>
public class BackwardTwiceTests
{
    private static readonly JsonNode Recorded = Fixture.Load("autograd_backward_twice.json");

    private static readonly double[] X = [0.5, -1.25, 2.0, 3.5];
    private static readonly double[] W = [1.5, 0.75, -0.5, 2.25];
    private static readonly double[] V = [0.25, 2.0, 1.5, -3.0];

    private static Tensor Idx => Torch.Tensor([2L, 0, 2]);

    /// <summary>The op of each recorded case, over the same x, w, v (float64 leaves), with SharpOptim's ops.</summary>
    private static readonly Dictionary<string, Func<Tensor, Tensor, Tensor, Tensor>> Ops = new()
    {
        ["sum"] = (x, w, v) => x,
        ["mean"] = (x, w, v) => x.Mean(),
        ["sum_dim"] = (x, w, v) => x.Reshape(2, 2).Sum(0),
        ["mean_dim"] = (x, w, v) => x.Reshape(2, 2).Mean(0),
        ["add"] = (x, w, v) => x.Add(w),
        ["add_alpha"] = (x, w, v) => x.Add(w, alpha: 2.0),
        ["add_scalar"] = (x, w, v) => x.Add(2.0),
        ["sub"] = (x, w, v) => x.Sub(w),
        ["sub_scalar"] = (x, w, v) => x.Sub(2.0),
        ["rsub_scalar"] = (x, w, v) => x.RSub(1.0),
        ["neg"] = (x, w, v) => x.Neg(),
        ["mul"] = (x, w, v) => x.Mul(w),
        ["mul_self"] = (x, w, v) => x.Mul(x),
        ["mul_scalar"] = (x, w, v) => x.Mul(2.0),
        ["div"] = (x, w, v) => x.Div(w),
        ["div_scalar"] = (x, w, v) => x.Div(2.0),
        ["rdiv_scalar"] = (x, w, v) => x.RDiv(2.0),
        ["exp"] = (x, w, v) => x.Exp(),
        ["log"] = (x, w, v) => x.Abs().Log(),
        ["sqrt"] = (x, w, v) => x.Abs().Sqrt(),
        ["rsqrt"] = (x, w, v) => x.Abs().Rsqrt(),
        ["abs"] = (x, w, v) => x.Abs(),
        ["sign"] = (x, w, v) => x.Sign(),
        ["square"] = (x, w, v) => x.Square(),
        ["pow_scalar"] = (x, w, v) => x.Pow(3.0),
        ["pow_tensor"] = (x, w, v) => x.Abs().Pow(w),
        ["reciprocal"] = (x, w, v) => x.Reciprocal(),
        ["tanh"] = (x, w, v) => x.Tanh(),
        ["sigmoid"] = (x, w, v) => x.Sigmoid(),
        ["relu"] = (x, w, v) => x.Relu(),
        ["addcmul"] = (x, w, v) => x.Addcmul(w, v, value: 0.5),
        ["addcdiv"] = (x, w, v) => x.Addcdiv(w, v, value: 0.5),
        ["lerp"] = (x, w, v) => x.Lerp(w, v),
        ["clamp"] = (x, w, v) => x.Clamp(min: 0.0, max: 2.5),
        ["where"] = (x, w, v) => Torch.Where(v.Detach().Gt(0), x, w),
        ["max"] = (x, w, v) => x.Max(),
        ["min"] = (x, w, v) => x.Min(),
        ["max_dim"] = (x, w, v) => x.Reshape(2, 2).Max(0).Values,
        ["norm"] = (x, w, v) => x.Reshape(2, 2).Norm(2, 1),
        ["mm"] = (x, w, v) => x.Reshape(2, 2).Mm(w.Reshape(2, 2)),
        ["linear"] = (x, w, v) => Functional.Linear(x.Reshape(2, 2), w.Reshape(2, 2), v.Narrow(0, 0, 2)),
        ["linear_no_bias"] = (x, w, v) => Functional.Linear(x.Reshape(2, 2), w.Reshape(2, 2)),
        ["linear_bias_only"] = (x, w, v) => Functional.Linear(x.Detach().Reshape(2, 2), w.Detach().Reshape(2, 2), v.Narrow(0, 0, 2)),
        ["log_softmax"] = (x, w, v) => x.Reshape(2, 2).LogSoftmax(1),
        ["log_softmax_dim0"] = (x, w, v) => x.Reshape(2, 2).LogSoftmax(0),
        ["cross_entropy"] = (x, w, v) => Functional.CrossEntropy(x.Reshape(2, 2), Torch.Tensor([1L, 0])),
        ["bce_with_logits"] = (x, w, v) => Functional.BinaryCrossEntropyWithLogits(x, w.Sigmoid().Detach(), reduction: "none"),
        ["index_select"] = (x, w, v) => x.IndexSelect(0, Idx),
        ["embedding"] = (x, w, v) => Functional.Embedding(Idx, x.Reshape(4, 1)),
        ["gather"] = (x, w, v) => x.Reshape(2, 2).Gather(1, Torch.Tensor([1L, 0], [2, 1])),
        ["cat"] = (x, w, v) => Torch.Cat([x, w]),
        ["reshape"] = (x, w, v) => x.Reshape(2, 2),
        ["narrow"] = (x, w, v) => x.Narrow(0, 1, 2),
        ["t"] = (x, w, v) => x.Reshape(2, 2).T(),
        ["clone"] = (x, w, v) => x.Clone(),
        ["to_float32"] = (x, w, v) => x.Float(),
        ["copy"] = (x, w, v) => Torch.Zeros([4], DType.Float64).Copy_(x),
        ["fill"] = (x, w, v) => x.Clone().Fill_(3.0),
    };

    public static TheoryData<string> Cases() => [.. Recorded["cases"]!.AsArray().Select(c => c!["id"]!.GetValue<string>())];

    private static Tensor[] Leaves() => [.. new[] { X, W, V }.Select(values => Torch.Tensor(values, requiresGrad: true))];

    [Theory]
    [MemberData(nameof(Cases))]
    public void SecondBackwardThrowsExactlyWherePyTorchRaises(string id)
    {
        var recorded = Recorded["cases"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!;
        var leaves = Leaves();
        var loss = Ops[id](leaves[0], leaves[1], leaves[2]).Sum();
        loss.Backward();
        AssertGrads(leaves, recorded["grads_after_first"]!, $"{id}: after the first backward");
        if (recorded["raises"]!.GetValue<bool>())
        {
            var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
            Assert.Equal(Recorded["message"]!.GetValue<string>(), ex.Message);
        }
        else loss.Backward();
        AssertGrads(leaves, recorded["grads_after_second"]!, $"{id}: after the second backward");
    }

    [Fact]
    public void RetainGraphKeepsTheSavedValuesForOneMoreBackward()
    {
        var recorded = Recorded["retain_graph"]!;
        var leaves = Leaves();
        var loss = leaves[0].Mul(leaves[1]).Sum();
        loss.Backward(retainGraph: true);
        AssertGrads(leaves, recorded["grads_after_retained"]!, "after backward(retainGraph: true)");
        loss.Backward();
        AssertGrads(leaves, recorded["grads_after_second"]!, "after the second backward");
        Assert.True(recorded["third_raises"]!.GetValue<bool>());
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Equal(Recorded["message"]!.GetValue<string>(), ex.Message);
        AssertGrads(leaves, recorded["grads_after_second"]!, "after the refused third backward");
    }

    /// <summary>
    /// The refusal comes before anything runs: a leaf reached through nodes that saved nothing
    /// gets no second gradient when another branch of the graph was freed.
    /// </summary>
    [Fact]
    public void ARefusedBackwardChangesNoGradient()
    {
        var leaves = Leaves();
        var (x, w) = (leaves[0], leaves[1]);
        var loss = w.Sum().Add(x.Mul(x).Sum());
        loss.Backward();
        double[] xBefore = x.Grad!.ToDoubleArray(), wBefore = w.Grad!.ToDoubleArray();
        Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Equal(xBefore, x.Grad!.ToDoubleArray());
        Assert.Equal(wBefore, w.Grad!.ToDoubleArray());
    }

    /// <summary>After backward, the graph no longer holds what its nodes saved: the memory is released, as PyTorch frees it.</summary>
    [Fact]
    public void BackwardReleasesTheSavedTensors()
    {
        var x = Torch.Randn([64, 64], DType.Float64, new Generator(1)).RequiresGrad_();
        var (loss, saved) = LossOverAnIntermediate(x);
        loss.Backward();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(saved.TryGetTarget(out _), "the tensor the exp node saved is still reachable from the graph after backward");
        GC.KeepAlive(loss);
    }

    [Fact]
    public void RetainGraphKeepsTheSavedTensors()
    {
        var x = Torch.Randn([64, 64], DType.Float64, new Generator(1)).RequiresGrad_();
        var (loss, saved) = LossOverAnIntermediate(x);
        loss.Backward(retainGraph: true);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.True(saved.TryGetTarget(out _));
        GC.KeepAlive(loss);
    }

    // Kept out of the tests so that no local of theirs holds the intermediate.
    private static (Tensor Loss, WeakReference<Tensor> Saved) LossOverAnIntermediate(Tensor x)
    {
        var h = x.Mul(2.0).Exp(); // ExpBackward0 saves its result's values
        var saved = new WeakReference<Tensor>(SavedTensorOf(h.GradFn!));
        return (h.Sum(), saved);
    }

    private static Tensor SavedTensorOf(Node node) => node.Saved![0].Tensor;

    private static void AssertGrads(Tensor[] leaves, JsonNode expected, string what)
    {
        var grads = expected.AsArray();
        for (int i = 0; i < leaves.Length; i++)
        {
            if (grads[i] is null)
            {
                Assert.True(leaves[i].Grad is null, $"{what}: input {i} has a gradient, PyTorch's has none");
                continue;
            }
            var grad = leaves[i].Grad;
            Assert.True(grad is not null, $"{what}: input {i} has no gradient");
            var actual = (grad!.IsSparse ? grad.ToDense() : grad).ToDoubleArray();
            var want = Fixture.Numbers(grads[i]);
            Assert.Equal(want.Length, actual.Length);
            for (int k = 0; k < want.Length; k++)
                Assert.True(Math.Abs(actual[k] - want[k]) <= 1e-12 * Math.Max(1, Math.Abs(want[k])), $"{what}: input {i}[{k}] is {actual[k]:R}, PyTorch {want[k]:R}");
        }
    }
}
