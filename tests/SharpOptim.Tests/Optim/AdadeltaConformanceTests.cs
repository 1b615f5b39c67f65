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
public class AdadeltaConformanceTests : OptimizerConformance<AdadeltaConformanceTests>, IOptimizerFixtures
{
    public static string Trajectories => "adadelta_trajectories.sofx";
    public static string StateDicts => "adadelta_state_dict.sofx";
    private const string Differentiable = "adadelta_differentiable.sofx";

    /// <summary>Our Adadelta on a path; it has no <c>fused</c> flag, so "fused" is the default (fused-kernel) path.</summary>
    public static OptimizerFactory Factory(string path) => (parameters, kwargs, tensorKwargs) =>
    {
        var k = new RecordedKwargs(kwargs, tensorKwargs);
        return new Adadelta(parameters, lr: k.Lr(1.0), rho: k.Number("rho", 0.9), eps: k.Number("eps", 1e-6),
            weightDecay: k.Number("weight_decay", 0), @foreach: RecordedKwargs.ForeachFor(path), capturable: k.Flag("capturable"),
            maximize: k.Flag("maximize"), differentiable: path == "differentiable");
    };


    public static IEnumerable<object[]> DifferentiableCases() => DifferentiableCheck.Cases(Differentiable);

    [Theory]
    [MemberData(nameof(DifferentiableCases))]
    public void DifferentiableStepsGivePyTorchsGradients(int index)
        => DifferentiableCheck.Run(Differentiable, index, (ps, kwargs) => Factory("differentiable")(ps, kwargs, new HashSet<string>()));

    [Fact]
    public void CapturableIsANoOpOnTheCpu()
        => CapturableCheck.SameAsNotCapturable(
            capturable => new Adadelta(CapturableCheck.Params(), lr: 0.5, weightDecay: 0.1, capturable: capturable));
}
