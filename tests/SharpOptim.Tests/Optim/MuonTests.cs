using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>Muon behaviour beyond the recorded trajectories: options, paths, refusals.</summary>
public class MuonTests
{
    private static Tensor Matrix(int rows, int cols, DType dtype = DType.Float32)
        => Torch.Tensor(Enumerable.Range(0, rows * cols).Select(i => Math.Cos(0.7 * i)).ToArray(), [rows, cols]).To(dtype).RequiresGrad_();

    private static void SetGradient(Tensor p, int step)
        => p.Grad = Torch.Tensor(Enumerable.Range(0, p.Numel).Select(i => Math.Sin(1 + i + 7 * step)).ToArray(), p.Shape).To(p.DType);

    [Fact]
    public void DefaultsAreTorchsInTorchsOrder()
    {
        var optimizer = new Muon([Matrix(2, 3)]);
        var group = optimizer.ParamGroups[0];
        Assert.Equal(["lr", "weight_decay", "momentum", "nesterov", "ns_coefficients", "eps", "ns_steps", "adjust_lr_fn"], group.Keys);
        Assert.Equal(1e-3, group["lr"]);
        Assert.Equal(0.1, group["weight_decay"]);
        Assert.Equal(0.95, group["momentum"]);
        Assert.Equal(true, group["nesterov"]);
        Assert.Equal((3.4445, -4.775, 2.0315), group["ns_coefficients"]);
        Assert.Equal(1e-7, group["eps"]);
        Assert.Equal(5, group["ns_steps"]);
        Assert.Null(group["adjust_lr_fn"]);
        Assert.Contains("ns_coefficients: (3.4445, -4.775, 2.0315)", optimizer.ToString());
    }

    [Fact]
    public void PathSwitchesAreStoredOnlyWhenGiven()
    {
        var group = new Muon([Matrix(2, 3)], @foreach: true).ParamGroups[0];
        Assert.Equal(["adjust_lr_fn", "foreach"], group.Keys.TakeLast(2));
        Assert.DoesNotContain("fused", group.Keys);
        Assert.Throws<InvalidOperationException>(() => new Muon([Matrix(2, 3)], @foreach: true, fused: true));
    }

    /// <summary>
    /// One tall param big enough (2¹⁷ elements) for the kernel's parallel chunks, and a wide one,
    /// in float32 and float64: the foreach kernel equals the reference path bit for bit, and the
    /// fused kernel stays within float rounding of it.
    /// </summary>
    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void KernelPathsAgreeWithTheReferenceOnLargeParams(DType dtype)
    {
        Tensor[] Run(bool? @foreach, bool? fused)
        {
            Tensor[] ps = [Matrix(65536, 2, dtype), Matrix(5, 40, dtype)];
            // One Newton–Schulz step keeps the test quick (the iteration is the same code on every path).
            var optimizer = new Muon(ps, lr: 0.02, nsSteps: 1, adjustLrFn: "match_rms_adamw", @foreach: @foreach, fused: fused);
            for (int k = 0; k < 2; k++)
            {
                foreach (var p in ps) SetGradient(p, k);
                optimizer.Step();
            }
            return ps;
        }
        var reference = Run(false, null);
        var foreachKernel = Run(true, null);
        var fusedKernel = Run(null, true);
        for (int i = 0; i < reference.Length; i++)
        {
            Tolerance.AssertIdentical(foreachKernel[i], reference[i], $"param {i}");
            Tolerance.AssertClose(fusedKernel[i], reference[i].ToDoubleArray(), dtype, $"fused param {i}");
        }
    }

    /// <summary>A refused step (PyTorch's checks of ns_steps and the coefficients) creates no state and changes no param.</summary>
    [Fact]
    public void RefusedStepChangesNothing()
    {
        var p = Matrix(2, 3);
        var before = p.ToDoubleArray();
        var optimizer = new Muon([p], nsSteps: 100);
        SetGradient(p, 0);
        Assert.Throws<ArgumentException>(() => optimizer.Step());
        Assert.Empty(optimizer.State);
        Assert.Equal(before, p.ToDoubleArray());
    }

    /// <summary>PyTorch's lr adjustments for an A×B param (here 4×9 and 9×4), read through one step of plain SGD-like updates.</summary>
    [Theory]
    [InlineData(null, 1.0, 1.5)]
    [InlineData("original", 1.0, 1.5)]
    [InlineData("match_rms_adamw", 0.6, 0.6)]
    [InlineData("spectral_unclamped", 2.0 / 3.0, 1.5)]
    public void AdjustedLrFollowsTheShape(string? fn, double wideRatio, double tallRatio)
    {
        // With momentum 0, no Nesterov and no weight decay, the step is -lr·ratio·NS(g): compare
        // against a run with adjust function "none of them" made by lr·ratio by hand.
        foreach (var (shape, ratio) in new[] { ((4, 9), wideRatio), ((9, 4), tallRatio) })
        {
            var adjusted = Matrix(shape.Item1, shape.Item2, DType.Float64);
            var byHand = Matrix(shape.Item1, shape.Item2, DType.Float64);
            var a = new Muon([adjusted], lr: 0.01, weightDecay: 0, momentum: 0, nesterov: false, adjustLrFn: fn);
            var b = new Muon([new ParamGroup([byHand]) { ["adjust_lr_fn"] = "no adjustment" }], lr: 0.01 * ratio, weightDecay: 0, momentum: 0, nesterov: false);
            SetGradient(adjusted, 0);
            SetGradient(byHand, 0);
            a.Step();
            b.Step();
            Tolerance.AssertClose(adjusted, byHand.ToDoubleArray(), DType.Float64, $"{fn ?? "None"} {shape}", 1e-15);
        }
    }
}
