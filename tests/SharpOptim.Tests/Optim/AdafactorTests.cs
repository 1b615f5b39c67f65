using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>Adafactor behaviour beyond the recorded trajectories: options, state handling, refusals.</summary>
public class AdafactorTests
{
    private static Tensor Matrix(DType dtype = DType.Float32) => Torch.Tensor([0.5, -1.0, 2.0, 0.25, -0.75, 1.5], [2, 3]).To(dtype).RequiresGrad_();

    private static Tensor Gradient(Tensor p, int step) => Torch.Tensor(Enumerable.Range(0, p.Numel).Select(i => Math.Sin(1 + i + 7 * step)).ToArray(), p.Shape).To(p.DType);

    private static void TakeSteps(Optimizer optimizer, Tensor[] ps, int steps)
    {
        for (int k = 0; k < steps; k++)
        {
            foreach (var p in ps) p.Grad = Gradient(p, k);
            optimizer.Step();
        }
    }

    [Fact]
    public void DefaultsAreTorchsInTorchsOrder()
    {
        var optimizer = new Adafactor([Matrix()]);
        var group = optimizer.ParamGroups[0];
        Assert.Equal(["lr", "beta2_decay", "eps", "d", "weight_decay", "foreach", "maximize"], group.Keys);
        Assert.Equal(0.01, group["lr"]);
        Assert.Equal(-0.8, group["beta2_decay"]);
        Assert.Equal(((double?)null, 1e-3), group["eps"]);
        Assert.Equal(1.0, group["d"]);
        Assert.Equal(0.0, group["weight_decay"]);
        Assert.Null(group["foreach"]);
        Assert.Equal(false, group["maximize"]);
        Assert.Contains("eps: (None, 0.001)", optimizer.ToString());
    }

    [Fact]
    public void FusedIsStoredOnlyWhenGiven()
    {
        var group = new Adafactor([Matrix()], fused: true).ParamGroups[0];
        Assert.Equal("fused", group.Keys.Last());
        Assert.Equal(true, group["fused"]);
        var ex = Assert.Throws<InvalidOperationException>(() => new Adafactor([Matrix()], fused: true, @foreach: true));
        Assert.Contains("`fused` and `foreach` cannot be `True` together.", ex.Message);
    }

    /// <summary>eps1 = None means the param dtype's machine epsilon: 2^-23 for float32, 2^-52 for float64.</summary>
    [Theory]
    [InlineData(DType.Float32, 1.1920928955078125e-07)]
    [InlineData(DType.Float64, 2.220446049250313e-16)]
    public void NullEpsilon1IsTheMachineEpsilonOfTheParamDtype(DType dtype, double machineEpsilon)
    {
        // A vector param with gradients a tenth of eps1: g² is below the floor eps1², so the
        // update is g / eps1, small enough not to be clipped.
        Tensor Run(double? eps1)
        {
            var p = Torch.Tensor([0.5, -1.0, 2.0, 0.25]).To(dtype).RequiresGrad_();
            var optimizer = new Adafactor([p], eps: (eps1, 1e-3), @foreach: false);
            for (int k = 0; k < 5; k++)
            {
                p.Grad = Gradient(p, k).Mul(machineEpsilon / 10);
                optimizer.Step();
            }
            return p;
        }
        var implicitEps = Run(null);
        Tolerance.AssertIdentical(implicitEps, Run(machineEpsilon), "params");
        Assert.NotEqual(implicitEps.ToDoubleArray(), Run(machineEpsilon * 4).ToDoubleArray());
    }

    /// <summary>A group mixing float32 and float64 params: each param runs in its own dtype, and foreach equals reference.</summary>
    [Fact]
    public void MixedDtypeGroupForeachEqualsReference()
    {
        Tensor[] Make() => [Matrix(DType.Float32), Torch.Tensor([0.3, -0.2, 0.1]).To(DType.Float64).RequiresGrad_(), Matrix(DType.Float64)];
        var ra = Make();
        var fa = Make();
        TakeSteps(new Adafactor(ra, weightDecay: 0.1, @foreach: false), ra, 10);
        TakeSteps(new Adafactor(fa, weightDecay: 0.1, @foreach: true), fa, 10);
        for (int i = 0; i < ra.Length; i++) Tolerance.AssertIdentical(fa[i], ra[i], $"param {i}");
    }

    /// <summary>
    /// A group of 2¹⁷+ elements, so the kernel's update pass runs in parallel chunks (a chunk
    /// boundary falls inside a row of the factored param; the 70001-element vector's sums come from
    /// three chunks, the small params' whole steps from one): foreach equals reference bit for bit,
    /// fused stays within rounding of it. In float32 that rounding is the reference's: it sums its
    /// norms in float32 as PyTorch does (8 lanes of some 16000 squares each for the 300×437 param),
    /// the fused kernel in double, so they differ by the float32 sums' error (measured 4.0e-5), and
    /// are held to the fused path's float32 conformance tolerance.
    /// </summary>
    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void KernelPathsAgreeWithTheReferenceOnLargeParams(DType dtype)
    {
        Tensor[] Make() =>
        [
            Torch.Tensor(Enumerable.Range(0, 300 * 437).Select(i => Math.Cos(0.3 * i)).ToArray(), [300, 437]).To(dtype).RequiresGrad_(),
            Torch.Tensor(Enumerable.Range(0, 2 * 3 * 5).Select(i => Math.Cos(0.3 * i)).ToArray(), [2, 3, 5]).To(dtype).RequiresGrad_(),
            Torch.Tensor([0.3, -0.2, 0.1]).To(dtype).RequiresGrad_(),
            Torch.Tensor(Enumerable.Range(0, 70001).Select(i => Math.Sin(0.7 * i)).ToArray()).To(dtype).RequiresGrad_(),
        ];
        Tensor[] Run(bool? @foreach, bool? fused)
        {
            var ps = Make();
            TakeSteps(new Adafactor(ps, lr: 0.05, weightDecay: 0.1, maximize: true, @foreach: @foreach, fused: fused), ps, 2);
            return ps;
        }
        var reference = Run(false, null);
        var foreachKernel = Run(true, null);
        var fusedKernel = Run(null, true);
        for (int i = 0; i < reference.Length; i++)
        {
            Tolerance.AssertIdentical(foreachKernel[i], reference[i], $"param {i}");
            Tolerance.AssertClose(fusedKernel[i], reference[i].ToDoubleArray(), dtype, $"fused param {i}", dtype == DType.Float32 ? AdafactorConformanceTests.ReorderedFloat32Tolerance : null);
        }
    }

    [Fact]
    public void SparseGradientIsRefusedBeforeAnythingChanges()
    {
        var dense = Matrix();
        var q = Torch.Tensor([1f, 2f, 3f, 4f], [2, 2]).RequiresGrad_();
        var optimizer = new Adafactor([dense, q]);
        dense.Grad = Gradient(dense, 0);
        q.Grad = Torch.SparseCooTensor(Torch.Tensor([0L, 1L, 1L, 0L], [2, 2]), Torch.Tensor([0.5f, -1f]), [2, 2]);
        var before = dense.ToDoubleArray();
        var ex = Assert.Throws<InvalidOperationException>(() => optimizer.Step());
        Assert.Equal("Adafactor does not support sparse gradients", ex.Message);
        Assert.Empty(optimizer.State);
        Assert.Equal(before, dense.ToDoubleArray());
    }

    [Fact]
    public void StepWithClosureReturnsItsLoss()
    {
        var p = Matrix();
        var optimizer = new Adafactor([p]);
        var loss = optimizer.Step(() =>
        {
            optimizer.ZeroGrad();
            var l = p.Square().Sum();
            l.Backward();
            return l;
        });
        Assert.Equal(8.125, loss!.Item(), 5);
        Assert.Equal(1.0, ((Tensor)optimizer.State[p]["step"]!).Item());
    }

    [Fact]
    public void LoadingRowVarOfTheWrongShapeIsRefusedAndChangesNothing()
    {
        var p = Matrix();
        var optimizer = new Adafactor([p]);
        TakeSteps(optimizer, [p], 2);
        var saved = optimizer.StateDict().DeepCopy();
        var bad = optimizer.StateDict().DeepCopy();
        bad.State[0]["row_var"] = Torch.Zeros(3, 1);
        var ex = Assert.Throws<ArgumentException>(() => optimizer.LoadStateDict(bad));
        Assert.Contains("'row_var'", ex.Message);
        StateDictCheck.AssertIdenticalValue(optimizer.State[p]["row_var"], saved.State[0]["row_var"], "row_var");
        StateDictCheck.AssertIdenticalValue(optimizer.State[p]["step"], saved.State[0]["step"], "step");
    }

    /// <summary>PyTorch's __setstate__: a checkpoint without "foreach" loads with foreach = None.</summary>
    [Fact]
    public void CheckpointWithoutForeachGetsNone()
    {
        var p = Matrix();
        var optimizer = new Adafactor([p], @foreach: true);
        var sd = optimizer.StateDict().DeepCopy();
        sd.ParamGroups[0].Remove("foreach");
        optimizer.LoadStateDict(sd);
        Assert.Null(optimizer.ParamGroups[0]["foreach"]);
    }

    /// <summary>An lr tensor written in place (as a scheduler does) is read at the next step.</summary>
    [Fact]
    public void TensorLrIsReadEachStep()
    {
        Tensor[] a = [Matrix()], b = [Matrix()];
        var lr = Torch.Tensor(0.01);
        var withTensor = new Adafactor(a, lr: lr, weightDecay: 0.1);
        var withNumber = new Adafactor(b, lr: 0.5, weightDecay: 0.1);
        withTensor.ParamGroups[0].Lr = 0.5;
        Assert.Equal(0.5, lr.Item());
        TakeSteps(withTensor, a, 3);
        TakeSteps(withNumber, b, 3);
        // 0.5 is exact in float32, so the tensor lr's float32 scalars round as the number's do here.
        Tolerance.AssertClose(a[0], b[0].ToDoubleArray(), DType.Float32, "params", 1e-6);
    }
}
