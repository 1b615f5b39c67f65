using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Adagrad computes its decayed learning rate once per distinct step count and reuses it for the
/// following parameters at the same count. A group whose parameters stand at different counts (one
/// had no gradient at an earlier step) must still give each parameter the lr of its own count: each
/// ends exactly where it would stepping alone, on every path.
/// </summary>
public class AdagradStepCountTests
{
    public static TheoryData<bool?, bool?> Paths => new() { { false, null }, { true, null }, { null, true }, { null, null } };

    private static Tensor NewParam(int seed) => Torch.Randn([5, 3], generator: new Generator(seed)).RequiresGrad_();

    private static Tensor Grad(int seed) => Torch.Randn([5, 3], generator: new Generator(100 + seed));

    private static Adagrad Make(Tensor[] ps, bool? forEach, bool? fused) => new(ps, lr: 0.1, lrDecay: 0.5, @foreach: forEach, fused: fused);

    [Theory]
    [MemberData(nameof(Paths))]
    public void ParametersAtDifferentStepCountsGetTheirOwnDecayedLr(bool? forEach, bool? fused)
    {
        // Together: b lags one step behind a and c, so the group reads counts 2, 1, 2.
        Tensor[] together = [NewParam(1), NewParam(2), NewParam(3)];
        var optimizer = Make(together, forEach, fused);
        together[0].Grad = Grad(0);
        together[2].Grad = Grad(2);
        optimizer.Step();
        for (int i = 0; i < 3; i++) together[i].Grad = Grad(10 + i);
        optimizer.Step();

        // Alone: a and c take both gradients, b only its second.
        for (int i = 0; i < 3; i++)
        {
            var alone = NewParam(1 + i);
            var single = Make([alone], forEach, fused);
            if (i != 1)
            {
                alone.Grad = Grad(i);
                single.Step();
            }
            alone.Grad = Grad(10 + i);
            single.Step();
            Assert.Equal(alone.ToArray<float>(), together[i].ToArray<float>());
        }
    }
}
