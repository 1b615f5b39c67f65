using System.Runtime.Intrinsics;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Optim.Kernels;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// The recorded problem's tensors are small (one kernel chunk each). Here every registered
/// algorithm with a kernel path steps a group large enough for its kernels to be cut into chunks
/// and run in parallel, alongside a tiny tensor, and the foreach kernel must still equal the
/// reference bit for bit, at each vector width the kernels run at (the machine's
/// <c>Vector&lt;T&gt;</c>, and 512 bits where the CPU has them). SGD, Adagrad, Adadelta, RMSprop and Rprop step with options that take
/// their kernels through more branches; the others with their defaults (the registry's factory).
/// </summary>
public class KernelChunkingTests
{
    /// <summary>The registered algorithms with a foreach kernel that step dense gradients without a closure.</summary>
    private static IEnumerable<string> Enrolled => OptimizerRegistry.All
        .Where(info => info.Supports(ImplementationChoice.ForEach) && !info.SparseGradientsOnly && !info.StepRequiresClosure)
        .Select(info => info.Name);

    /// <summary>Every enrolled algorithm at each width this machine runs: false for <see cref="NativeLanes{T}"/>, true for <see cref="Lanes512{T}"/>.</summary>
    public static TheoryData<string, bool> Algorithms
    {
        get
        {
            var data = new TheoryData<string, bool>();
            foreach (var name in Enrolled)
            {
                data.Add(name, false);
                if (Vector512.IsHardwareAccelerated) data.Add(name, true);
            }
            return data;
        }
    }

    private static readonly Dictionary<string, Func<Tensor[], bool, Optimizer>> Configured = new()
    {
        ["SGD"] = (ps, forEach) => new SGD(ps, lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 0.1, @foreach: forEach),
        ["Adagrad"] = (ps, forEach) => new Adagrad(ps, lr: 0.05, lrDecay: 0.01, weightDecay: 0.1, initialAccumulatorValue: 0.1, @foreach: forEach),
        ["Adadelta"] = (ps, forEach) => new Adadelta(ps, weightDecay: 0.1, maximize: true, @foreach: forEach),
        ["RMSprop"] = (ps, forEach) => new RMSprop(ps, weightDecay: 0.1, momentum: 0.5, centered: true, @foreach: forEach),
        ["Rprop"] = (ps, forEach) => new Rprop(ps, etas: (0.3, 1.5), stepSizes: (1e-3, 0.05), @foreach: forEach),
    };

    private static Optimizer Make(OptimizerInfo info, Tensor[] ps, bool forEach)
        => Configured.TryGetValue(info.Name, out var make) ? make(ps, forEach) : info.Create(ps, @foreach: forEach);

    /// <summary>
    /// A float32 tensor over the parallel threshold, a tiny one and a float64 one; as matrices two
    /// columns wide for an algorithm that takes matrices only, which keeps Muon's Newton–Schulz
    /// products cheap.
    /// </summary>
    private static Tensor[] Params(OptimizerInfo info)
    {
        int[][] shapes = info.MatricesOnly ? [[50_002, 2], [1, 3], [20_000, 2]] : [[100_003], [3], [40_000]];
        return
        [
            Torch.Randn(shapes[0], generator: new Generator(5)).RequiresGrad_(),
            Torch.Randn(shapes[1], generator: new Generator(6)).RequiresGrad_(),
            Torch.Randn(shapes[2], DType.Float64, generator: new Generator(7)).RequiresGrad_(),
        ];
    }

    [Fact]
    public void EveryConfigurationIsOfAnEnrolledAlgorithm()
        => Assert.Empty(Configured.Keys.Except(Enrolled));

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void ForeachKernelEqualsReferenceAcrossChunks(string algorithm, bool use512)
    {
        // Only this class switches the width (its theories run one at a time); kernels of other
        // tests running meanwhile give the same bits at either width.
        bool machineDefault = KernelVectors.Use512;
        KernelVectors.Use512 = use512;
        try
        {
            StepBothAndCompare(algorithm);
        }
        finally
        {
            KernelVectors.Use512 = machineDefault;
        }
    }

    private static void StepBothAndCompare(string algorithm)
    {
        var info = OptimizerRegistry.Get(algorithm);
        var (reference, kernel) = (Params(info), Params(info));
        var (a, b) = (Make(info, reference, forEach: false), Make(info, kernel, forEach: true));
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
            Assert.Equal(a.State.ContainsKey(reference[i]), b.State.ContainsKey(kernel[i]));   // SGD without momentum keeps none
            foreach (var (key, value) in a.State.GetValueOrDefault(reference[i]) ?? [])
                if (value is Tensor expected) AssertBitEqual((Tensor)b.State[kernel[i]][key]!, expected, $"{algorithm} state {i}.{key}");
                else Assert.Equal(value, b.State[kernel[i]][key]);   // a plain number, or SGD's momentum_buffer None
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
