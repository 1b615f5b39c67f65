using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// <c>capturable</c> (CUDA-graph capture in PyTorch) is accepted and stored on the CPU but changes
/// nothing: the optimizer steps exactly as without it. (PyTorch itself refuses capturable CPU
/// parameters at the first step; SharpOptim documents the flag as a CPU no-op instead.)
/// </summary>
internal static class CapturableCheck
{
    /// <summary>Fresh float32 and float64 parameters with fixed values.</summary>
    public static Tensor[] Params() =>
    [
        Torch.Randn([3, 5], generator: new Generator(3)).RequiresGrad_(),
        Torch.Randn([7], DType.Float64, generator: new Generator(4)).RequiresGrad_(),
    ];

    /// <summary>Five steps with fixed gradients give bit-identical params and state with and without capturable.</summary>
    public static void SameAsNotCapturable(Func<bool, Optimizer> make)
    {
        var plain = make(false);
        var capturable = make(true);
        Assert.True(capturable.ParamGroups[0].GetBool("capturable"));
        for (int step = 0; step < 5; step++)
            foreach (var optimizer in new[] { plain, capturable })
            {
                var ps = optimizer.ParamGroups[0].Params;
                for (int i = 0; i < ps.Count; i++)
                    ps[i].Grad = Torch.Randn(ps[i].Shape, ps[i].DType, generator: new Generator(100 * step + i));
                optimizer.Step();
            }
        var (a, b) = (plain.ParamGroups[0].Params, capturable.ParamGroups[0].Params);
        for (int i = 0; i < a.Count; i++)
        {
            Tolerance.AssertIdentical(b[i], a[i], $"param {i}");
            foreach (var (key, value) in plain.State[a[i]])
                StateDictCheck.AssertIdenticalValue(capturable.State[b[i]][key], value, $"state {i}.{key}");
        }
    }
}
