using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Rprop against PyTorch 2.14 (fixtures by tools/golden/adaptive.py): PyTorch's option grid
/// (optim_inputs_func_rprop) plus one config of ours whose step sizes reach both bounds of
/// step_sizes (on this problem PyTorch's own "non-default step_sizes" never reaches them and ends
/// identical to "default"), mid-run state dicts and differentiable steps.
/// </summary>
public class RpropConformanceTests : OptimizerConformance<RpropConformanceTests>, ICapturableAlgorithm
{
    public static string Name => "Rprop";
    public static string FixturePrefix => "rprop";
    public static string CapturableCaseId => "rprop/step_sizes_reached_SharpOptim/forloop/float64";

    /// <summary>Our Rprop on a path; it has no <c>fused</c> flag, so "fused" is the default (fused-kernel) path.</summary>
    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
        => new Rprop(parameters, lr: k.Lr(1e-2), etas: k.Pair("etas", (0.5, 1.2)), stepSizes: k.Pair("step_sizes", (1e-6, 50)),
            capturable: path.Capturable || k.Flag("capturable"), @foreach: path.Foreach, maximize: k.Flag("maximize"),
            differentiable: path.Differentiable);

    [Fact]
    public void CapturableIsANoOpOnTheCpu()
        => CapturableCheck.SameAsNotCapturable(capturable => new Rprop(CapturableCheck.Params(), etas: (0.3, 1.5), capturable: capturable));

    /// <summary>The step sizes of PyTorch's recorded run reach both bounds in "step_sizes reached", so the clamp is exercised.</summary>
    [Fact]
    public void RecordedStepSizesReachBothBounds()
    {
        var c = TrajectoryCheck.Case(Trajectories, "rprop/step_sizes_reached_SharpOptim/forloop/float64");
        var sizes = c["steps"]!.AsArray().Where(s => s!["state"] is not null) // the steps whose state was kept
            .SelectMany(s => s!["state"]!.AsArray().SelectMany(ps => Fixture.Numbers(ps!["step_size"]))).ToList();
        var bounds = c["kwargs"]!["step_sizes"]!.AsArray();
        Assert.Equal(Fixture.Number(bounds[0]), sizes.Min());
        Assert.Equal(Fixture.Number(bounds[1]), sizes.Max());
    }

    /// <summary>
    /// A NaN gradient keeps its element finite, as in PyTorch (whose sign of NaN is 0; its values are
    /// in nonfinite.sofx, see NonFiniteStepTests): the step size stays, the element does not move,
    /// and the NaN reaches only prev, from where the next product is NaN again, which keeps the step
    /// size once more. Kernel and reference agree.
    /// </summary>
    [Fact]
    public void NanGradientsLeaveTheirElementsFiniteOnEveryPath()
    {
        Tensor[] Run(bool? forEach)
        {
            var p = Torch.Tensor([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f], requiresGrad: true);
            var optimizer = new Rprop([p], @foreach: forEach);
            foreach (var g in new[] { 1f, float.NaN, -1f })
            {
                p.Grad = Torch.Tensor(Enumerable.Range(0, 10).Select(i => i % 3 == 0 ? g : 1f).ToArray());
                optimizer.Step();
            }
            return [p, (Tensor)optimizer.State[p]["step_size"]!, (Tensor)optimizer.State[p]["prev"]!];
        }
        var reference = Run(false);
        var kernel = Run(true);
        for (int i = 0; i < reference.Length; i++) Tolerance.AssertIdentical(kernel[i], reference[i], $"tensor {i}");
        // Elements 0, 3, 6 and 9 (in the vector body and the scalar tail) saw the NaN gradient.
        foreach (int i in new[] { 0, 3, 6, 9 })
        {
            Assert.True(float.IsFinite(reference[0].ToArray<float>()[i]), $"param {i}");
            Assert.Equal(0.01f, reference[1].ToArray<float>()[i]);
        }
    }
}

/// <summary>Rprop's differentiable runs (x, g feedback; adaptive.py).</summary>
public class RpropDifferentiableTests : DifferentiableConformance<RpropConformanceTests>;

/// <summary>Rprop with <c>capturable: true</c> on each path.</summary>
public class RpropCapturableTests : CapturableConformance<RpropConformanceTests>;
