using Xunit;
using static SharpOptim.Tests.GradCheck;

namespace SharpOptim.Tests.Autograd;

/// <summary>Finite-difference checks of pow with a tensor exponent (Tensor.Pow(Tensor), Torch.Pow(number, Tensor)).</summary>
public class PowTensorGradCheckTests
{
    private static Tensor Positive(double[] values, params int[] shape) => Input(values, shape);

    [Fact]
    public void TensorBaseAndTensorExponent()
    {
        var b = Positive([0.5, 1.3, 2.0, 0.9, 1.7, 0.25], 2, 3);
        var e = Input([1.5, -0.5, 2.0, 3.25, 0.75, -1.0], 2, 3);
        Check(() => b.Pow(e), b, e);
    }

    [Fact]
    public void ZeroDimensionalBaseBroadcastOverExponents()
    {
        var b = Scalar(0.9);
        var e = Input([1, 2, 3, 10], 4);
        Check(() => b.Pow(e), b, e);
    }

    [Fact]
    public void NumberBaseGivesTheExponentsDtypeAndGradient()
    {
        var e = Input([1, 2.5, 7], 3);
        Check(() => Torch.Pow(0.999, e), e);
        var f32 = Torch.Tensor([3f]);
        Assert.Equal(DType.Float32, Torch.Pow(0.9, f32).DType);
    }
}
