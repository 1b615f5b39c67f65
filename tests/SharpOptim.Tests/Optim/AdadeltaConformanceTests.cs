using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Adadelta against PyTorch 2.14 (fixtures by tools/golden/adaptive.py): PyTorch's option grid
/// (optim_inputs_func_adadelta; PyTorch has no fused Adadelta, so our fused kernel is held to its
/// for-loop), mid-run state dicts and differentiable steps.
/// </summary>
public class AdadeltaConformanceTests : OptimizerConformance<AdadeltaConformanceTests>, ICapturableAlgorithm
{
    public static string Name => "Adadelta";
    public static string FixturePrefix => "adadelta";
    public static string CapturableCaseId => "adadelta/maximize_weight_decay/forloop/float64";

    /// <summary>Our Adadelta on a path; it has no <c>fused</c> flag, so "fused" is the default (fused-kernel) path.</summary>
    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
        => new Adadelta(parameters, lr: k.Lr(1.0), rho: k.Number("rho", 0.9), eps: k.Number("eps", 1e-6),
            weightDecay: k.Number("weight_decay", 0), @foreach: path.Foreach, capturable: path.Capturable || k.Flag("capturable"),
            maximize: k.Flag("maximize"), differentiable: path.Differentiable);

    [Fact]
    public void CapturableIsANoOpOnTheCpu()
        => CapturableCheck.SameAsNotCapturable(
            capturable => new Adadelta(CapturableCheck.Params(), lr: 0.5, weightDecay: 0.1, capturable: capturable));
}

/// <summary>Adadelta's differentiable runs (x, g feedback; adaptive.py).</summary>
public class AdadeltaDifferentiableTests : DifferentiableConformance<AdadeltaConformanceTests>;

/// <summary>Adadelta with <c>capturable: true</c> on each path.</summary>
public class AdadeltaCapturableTests : CapturableConformance<AdadeltaConformanceTests>;
