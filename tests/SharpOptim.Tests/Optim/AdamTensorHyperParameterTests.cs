using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>Tensor lr and betas as group options: stored as given (0-d), read each step, copied by deep copies.</summary>
public class AdamTensorHyperParameterTests
{
    [Fact]
    public void TensorBetasAreStoredZeroDimensionalAndDeepCopiesOwnThem()
    {
        var beta1 = Torch.Tensor([0.9f], [1, 1]);
        var beta2 = Torch.Tensor(0.99, DType.Float32);
        var adam = new Adam([AdamErrorCases.P()], betas: (beta1, beta2));
        var (stored1, stored2) = ((Tensor, Tensor))adam.ParamGroups[0]["betas"]!;
        Assert.Empty(stored1.Shape);
        Assert.Same(beta2, stored2);
        var (copy1, copy2) = ((Tensor, Tensor))adam.StateDict().DeepCopy().ParamGroups[0]["betas"]!;
        Assert.NotSame(stored1, copy1);
        Assert.NotSame(stored2, copy2);
        Assert.Equal(stored2.Item(), copy2.Item());
    }
}
