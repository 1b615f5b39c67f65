using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// The kernels on tensors large enough for the parallel dispatch and the vector body (the
/// recorded problem's tensors are tiny): foreach and the default (fused-kernel) path stay
/// bit-identical to the reference, whose tensor ops round each multiply-add once as the kernels do.
/// </summary>
public class AdamFamilyKernelTests
{
    private const int Large = (1 << 17) + 5; // parallel (ParallelChunker.ParallelThreshold), five chunks, a scalar tail

    public static TheoryData<string, DType> Cases() => new()
    {
        { "adam", DType.Float32 }, { "adam", DType.Float64 }, { "adamw", DType.Float32 }, { "adamax", DType.Float32 }, { "adamax", DType.Float64 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForeachAndDefaultAreBitIdenticalToReferenceOnLargeTensors(string algorithm, DType dtype)
    {
        var reference = Run(algorithm, dtype, @foreach: false);
        var forEach = Run(algorithm, dtype, @foreach: true);
        var defaultPath = Run(algorithm, dtype, @foreach: null);
        for (int i = 0; i < reference.Length; i++)
        {
            // compare the bytes first: AssertIdentical formats a message per element
            if (!forEach[i].AsBytes().SequenceEqual(reference[i].AsBytes()))
                Tolerance.AssertIdentical(forEach[i], reference[i], $"{algorithm} {dtype} tensor {i}");
            if (!defaultPath[i].AsBytes().SequenceEqual(reference[i].AsBytes()))
                Tolerance.AssertIdentical(defaultPath[i], reference[i], $"{algorithm} {dtype} default-path tensor {i}");
        }
    }

    private static Tensor[] Run(string algorithm, DType dtype, bool? @foreach)
    {
        var ps = new[] { Large, 7 }.Select((n, i) => new Parameter(Torch.Randn([n], dtype, new Generator(10 + i)))).ToArray();
        Optimizer optimizer = algorithm switch
        {
            "adam" => new Adam(ps, lr: 0.01, weightDecay: 0.1, amsgrad: true, @foreach: @foreach),
            "adamw" => new AdamW(ps, lr: 0.01, maximize: true, @foreach: @foreach),
            _ => new Adamax(ps, lr: 0.01, weightDecay: 0.1, @foreach: @foreach),
        };
        for (int step = 0; step < 2; step++)
        {
            for (int i = 0; i < ps.Length; i++) ps[i].Grad = Torch.Randn([ps[i].Numel], dtype, new Generator(100 * step + i));
            optimizer.Step();
        }
        return [.. ps, .. optimizer.State[ps[0]].Values.OfType<Tensor>()];
    }
}
