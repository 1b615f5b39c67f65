using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Adamax against PyTorch 2.14 over PyTorch's own option grid (optim_inputs_func_adamax: its CPU
/// configs, then its CUDA-only ones recorded with capturable dropped), float32 and float64, 100
/// steps (fixtures by tools/golden/adamax.py). PyTorch has no fused Adamax, so its cases are all
/// for-loop ones; our "fused" path is the default (foreach unset: the fused-rounding kernel).
/// </summary>
public class AdamaxConformanceTests : OptimizerConformance<AdamaxConformanceTests>, IOptimizerFixtures
{
    public static string Trajectories => "adamax_trajectories.sofx";
    public static string StateDicts => "adamax_state_dict.sofx";

    public static OptimizerFactory Factory(string path) => (parameters, kwargs, tensorKwargs) =>
    {
        var k = new AdamFamilyKwargs(kwargs, tensorKwargs);
        return new Adamax(parameters, lr: k.Lr(2e-3), betas: k.NumberBetas(), eps: k.Number("eps", 1e-8),
            weightDecay: k.Number("weight_decay", 0), maximize: k.Flag("maximize"),
            @foreach: path switch { "reference" => false, "foreach" => true, _ => null });
    };
}
