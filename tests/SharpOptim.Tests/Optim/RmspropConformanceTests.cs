using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// RMSprop against PyTorch 2.14 (fixtures by tools/golden/adaptive.py): PyTorch's option grid
/// (optim_inputs_func_rmsprop; PyTorch has no fused RMSprop, so our fused kernel is held to its
/// for-loop), mid-run state dicts and differentiable steps.
/// </summary>
public class RmspropConformanceTests : OptimizerConformance<RmspropConformanceTests>, ICapturableAlgorithm
{
    public static string Name => "RMSprop";
    public static string FixturePrefix => "rmsprop";
    public static string CapturableCaseId => "rmsprop/maximize_centered_weight_decay_w_momentum/forloop/float64";

    /// <summary>Our RMSprop on a path; it has no <c>fused</c> flag, so "fused" is the default (fused-kernel) path.</summary>
    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
        => new RMSprop(parameters, lr: k.Lr(1e-2), alpha: k.Number("alpha", 0.99), eps: k.Number("eps", 1e-8),
            weightDecay: k.Number("weight_decay", 0), momentum: k.Number("momentum", 0), centered: k.Flag("centered"),
            capturable: path.Capturable || k.Flag("capturable"), @foreach: path.Foreach, maximize: k.Flag("maximize"),
            differentiable: path.Differentiable);

    [Fact]
    public void CapturableIsANoOpOnTheCpu()
        => CapturableCheck.SameAsNotCapturable(capturable =>
            new RMSprop(CapturableCheck.Params(), weightDecay: 0.1, momentum: 0.5, centered: true, capturable: capturable));

    /// <summary>Raising momentum or turning centered on after the first step makes the missing state (PyTorch would fail on it).</summary>
    [Fact]
    public void StateMissingAfterAnOptionChangeIsMade()
    {
        var p = Torch.Tensor([1.0, -2.0], requiresGrad: true);
        var optimizer = new RMSprop([p]);
        p.Grad = Torch.Tensor([0.5, 0.5]);
        optimizer.Step();
        Assert.Equal(["step", "square_avg"], optimizer.State[p].Keys);
        optimizer.ParamGroups[0]["momentum"] = 0.9;
        optimizer.ParamGroups[0]["centered"] = true;
        optimizer.Step();
        Assert.Equal(["step", "square_avg", "momentum_buffer", "grad_avg"], optimizer.State[p].Keys);
        Assert.Equal(2, ((Tensor)optimizer.State[p]["step"]!).Item());
    }
}

/// <summary>RMSprop's differentiable runs (x, g feedback; adaptive.py).</summary>
public class RmspropDifferentiableTests : DifferentiableConformance<RmspropConformanceTests>;

/// <summary>RMSprop with <c>capturable: true</c> on each path.</summary>
public class RmspropCapturableTests : CapturableConformance<RmspropConformanceTests>;
