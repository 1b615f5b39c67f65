using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// The recorded problem's tensors are small (one kernel chunk each). Here Adagrad, Adadelta,
/// RMSprop and Rprop step groups large enough for the kernels to be cut into chunks and run in
/// parallel, alongside tiny tensors, and the foreach kernel must still equal the reference bit for bit.
/// </summary>
public class AdaptiveKernelChunkingTests
{
    public static TheoryData<string> Algorithms => ["Adagrad", "Adadelta", "RMSprop", "Rprop"];

    private static Optimizer Make(string algorithm, Tensor[] ps, bool forEach) => algorithm switch
    {
        "Adagrad" => new Adagrad(ps, lr: 0.05, lrDecay: 0.01, weightDecay: 0.1, initialAccumulatorValue: 0.1, @foreach: forEach),
        "Adadelta" => new Adadelta(ps, weightDecay: 0.1, maximize: true, @foreach: forEach),
        "RMSprop" => new RMSprop(ps, weightDecay: 0.1, momentum: 0.5, centered: true, @foreach: forEach),
        _ => new Rprop(ps, etas: (0.3, 1.5), stepSizes: (1e-3, 0.05), @foreach: forEach),
    };

    private static Tensor[] Params() =>
    [
        Torch.Randn([100_003], generator: new Generator(5)).RequiresGrad_(),
        Torch.Randn([3], generator: new Generator(6)).RequiresGrad_(),
        Torch.Randn([40_000], DType.Float64, generator: new Generator(7)).RequiresGrad_(),
    ];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void ForeachKernelEqualsReferenceAcrossChunks(string algorithm)
    {
        var (reference, kernel) = (Params(), Params());
        var (a, b) = (Make(algorithm, reference, forEach: false), Make(algorithm, kernel, forEach: true));
        for (int step = 0; step < 3; step++)
        {
            for (int i = 0; i < reference.Length; i++)
            {
                var grad = Torch.Randn(reference[i].Shape, reference[i].DType, generator: new Generator(10 * step + i));
                reference[i].Grad = grad;
                kernel[i].Grad = grad.Clone();
            }
            a.Step();
            b.Step();
        }
        for (int i = 0; i < reference.Length; i++)
        {
            AssertBitEqual(kernel[i], reference[i], $"{algorithm} param {i}");
            foreach (var (key, value) in a.State[reference[i]])
                AssertBitEqual((Tensor)b.State[kernel[i]][key]!, (Tensor)value!, $"{algorithm} state {i}.{key}");
        }
    }

    /// <summary>Bit equality, checked in one pass (the per-element asserts of Tolerance.AssertIdentical are slow at this size).</summary>
    private static void AssertBitEqual(Tensor actual, Tensor expected, string what)
    {
        var (x, y) = (actual.ToDoubleArray(), expected.ToDoubleArray());
        Assert.Equal(y.Length, x.Length);
        int first = Enumerable.Range(0, x.Length).FirstOrDefault(i => BitConverter.DoubleToInt64Bits(x[i]) != BitConverter.DoubleToInt64Bits(y[i]), -1);
        Assert.True(first < 0, $"{what}: element {first} differs");
    }
}
