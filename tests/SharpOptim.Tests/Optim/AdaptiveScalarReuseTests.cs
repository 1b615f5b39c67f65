using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// The kernels of Adamax, NAdam, RAdam and ASGD compute each parameter's step scalars once per
/// distinct step (and NAdam's per distinct <c>mu_product</c>) and reuse them for the following
/// parameters. The recorded problems step every parameter alike, so here the parameters of one
/// group differ in step count (some get a gradient only every other step), in dtype and in size
/// (with a number lr one runs on the kernel workers), with a number or a tensor lr, and the foreach kernel must
/// still equal the reference bit for bit, state included.
/// </summary>
public class AdaptiveScalarReuseTests
{
    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var algorithm in new[] { "adamax", "nadam", "nadam-decoupled", "radam", "radam-decoupled", "asgd" })
            foreach (bool tensorLr in new[] { false, true })
                data.Add(algorithm, tensorLr);
        return data;
    }

    private static Optimizer Make(string algorithm, Tensor[] ps, bool tensorLr, bool forEach)
    {
        FloatOrTensor Lr(double value) => tensorLr ? Torch.Tensor(value) : value;
        return algorithm switch
        {
            "adamax" => new Adamax(ps, lr: Lr(0.01), weightDecay: 0.1, @foreach: forEach),
            "nadam" => new NAdam(ps, lr: Lr(0.01), weightDecay: 0.1, momentumDecay: 0.1, @foreach: forEach),
            "nadam-decoupled" => new NAdam(ps, lr: Lr(0.01), weightDecay: 0.1, decoupledWeightDecay: true, maximize: true, @foreach: forEach),
            // beta2 = 0.9: rho_t passes 5 at step 6, so by the last steps the group mixes rectified and plain steps.
            "radam" => new RAdam(ps, lr: Lr(0.01), betas: (0.9, 0.9), weightDecay: 0.1, @foreach: forEach),
            "radam-decoupled" => new RAdam(ps, lr: Lr(0.01), betas: (0.9, 0.9), weightDecay: 0.1, decoupledWeightDecay: true, @foreach: forEach),
            _ => new ASGD(ps, lr: Lr(0.05), lambd: 0.01, t0: 3, weightDecay: 0.1, @foreach: forEach),
        };
    }

    /// <summary>
    /// Parameters of both dtypes, interleaved so that neighbours differ; with <paramref name="large"/>
    /// the first is large enough for the kernel workers, several chunks and a scalar tail (the
    /// recorded problem's are tiny).
    /// </summary>
    private static Tensor[] Params(bool large)
        => Enumerable.Range(0, 6)
            .Select(i => Torch.Randn([i == 0 && large ? (1 << 17) + 5 : 5 + i], i % 3 == 2 ? DType.Float64 : DType.Float32, new Generator(20 + i)).RequiresGrad_())
            .ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForeachEqualsReferenceWhenParametersDifferInStepAndDType(string algorithm, bool tensorLr)
    {
        // The large tensor with a number lr only: the reference path is slow at that size.
        var (reference, kernel) = (Params(large: !tensorLr), Params(large: !tensorLr));
        var (a, b) = (Make(algorithm, reference, tensorLr, forEach: false), Make(algorithm, kernel, tensorLr, forEach: true));
        for (int step = 0; step < 8; step++)
        {
            for (int i = 0; i < reference.Length; i++)
            {
                // Odd parameters skip every other step, so their step counts fall behind their neighbours'.
                bool stepped = i % 2 == 0 || step % 2 == 0;
                var grad = stepped ? Torch.Randn(reference[i].Shape, reference[i].DType, new Generator(100 * step + i)) : null;
                reference[i].Grad = grad;
                kernel[i].Grad = grad?.Clone();
            }
            a.Step();
            b.Step();
        }
        AssertSameParamsAndState(a, reference, b, kernel, algorithm);
    }

    /// <summary>
    /// ASGD's <c>eta = lr / (1 + lambd * lr * step) ** alpha</c> with a float32 tensor lr is a 0-d
    /// float32 pow, which PyTorch computes as C's pow in double rounded to float32. A base where
    /// float32 powf rounds the other way is searched for (on this platform's libm) and made the
    /// first step's base: the kernel (plain numbers) and the reference (0-d tensors) must agree.
    /// </summary>
    [Fact]
    public void AsgdTensorLrScheduleRoundsItsPowAlikeOnBothPaths()
    {
        const double alpha = 0.75;
        float @base = 1.5f;
        for (float x = 1.25f; x < 1.5f; x = MathF.BitIncrement(x))
            if (MathF.Pow(x, (float)alpha) != (float)Math.Pow(x, alpha))
            {
                @base = x;
                break;
            }
        // lr = 1 makes the first step's base 1 + lambd exactly (lambd = base - 1 is a float32 in [0.25, 0.5)).
        Tensor[] Param() => [Torch.Randn([4], generator: new Generator(3)).RequiresGrad_()];
        var (reference, kernel) = (Param(), Param());
        var a = new ASGD(reference, lr: Torch.Tensor(1.0), lambd: @base - 1.0, alpha: alpha, @foreach: false);
        var b = new ASGD(kernel, lr: Torch.Tensor(1.0), lambd: @base - 1.0, alpha: alpha, @foreach: true);
        reference[0].Grad = Torch.Randn([4], generator: new Generator(4));
        kernel[0].Grad = reference[0].Grad!.Clone();
        a.Step();
        b.Step();
        AssertSameParamsAndState(a, reference, b, kernel, "asgd");
    }

    private static void AssertSameParamsAndState(Optimizer a, Tensor[] reference, Optimizer b, Tensor[] kernel, string what)
    {
        for (int i = 0; i < reference.Length; i++)
        {
            AssertBitEqual(kernel[i], reference[i], $"{what} param {i}");
            foreach (var (key, value) in a.State[reference[i]])
                AssertBitEqual((Tensor)b.State[kernel[i]][key]!, (Tensor)value!, $"{what} state {i}.{key}");
        }
    }

    private static void AssertBitEqual(Tensor actual, Tensor expected, string what)
    {
        Assert.Equal(expected.DType, actual.DType);
        if (actual.AsBytes().SequenceEqual(expected.AsBytes())) return;
        var (x, y) = (actual.ToDoubleArray(), expected.ToDoubleArray());
        int first = Enumerable.Range(0, x.Length).First(i => BitConverter.DoubleToInt64Bits(x[i]) != BitConverter.DoubleToInt64Bits(y[i]));
        Assert.Fail($"{what}: element {first} is {x[first]:R}, the reference's {y[first]:R}");
    }
}
