using System.Globalization;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using Xunit;

namespace SharpOptim.Tests.LrScheduler;

/// <summary>
/// <c>GetLastLr()[0]</c> is used as a number, as PyTorch's <c>get_last_lr()[0]</c> is a float (or a
/// tensor where the lr is one): <see cref="FloatOrTensor"/> converts to double as Python's
/// <c>float(lr)</c>, and arithmetic with numbers stays lr arithmetic, unambiguous.
/// </summary>
public class LastLrAsNumberTests
{
    private static StepLR Scheduler(FloatOrTensor lr)
    {
        var optimizer = new SGD([new Parameter(Torch.Zeros([2]))], lr: lr);
        var scheduler = new StepLR(optimizer, stepSize: 1, gamma: 0.5);
        optimizer.Step();
        scheduler.Step();
        return scheduler;
    }

    [Fact]
    public void ANumberLrReadsAsADouble()
    {
        var scheduler = Scheduler(0.1);
        double lr = scheduler.GetLastLr()[0];
        Assert.Equal(scheduler.GetLastLr()[0].Value, lr);
        Assert.Equal(Math.Log(lr), Math.Log(scheduler.GetLastLr()[0]));
        Assert.True(scheduler.GetLastLr()[0] < 1.0);
        Assert.Equal(lr.ToString("F4", CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture, $"{scheduler.GetLastLr()[0]:F4}"));
        // Arithmetic with numbers (an int literal included) stays an lr and a number.
        FloatOrTensor doubled = scheduler.GetLastLr()[0] * 2, halved = scheduler.GetLastLr()[0] / 2, shifted = 1 - scheduler.GetLastLr()[0];
        Assert.False(doubled.IsTensor || halved.IsTensor || shifted.IsTensor);
        Assert.Equal(lr * 2, doubled.Value);
        Assert.Equal(lr / 2, halved.Value);
    }

    [Fact]
    public void ATensorLrReadsAsItsElementAndStaysATensorInArithmetic()
    {
        var scheduler = Scheduler(Torch.Tensor(0.1f));
        var last = scheduler.GetLastLr()[0];
        Assert.True(last.IsTensor);
        double lr = last;
        Assert.Equal(last.Tensor!.Item(), lr);
        // As PyTorch's `tensor * 2`: a tensor, in the tensor's dtype.
        var doubled = last * 2;
        Assert.True(doubled.IsTensor);
        Assert.Equal(DType.Float32, doubled.Tensor!.DType);
        Assert.Equal((double)(float)(last.Tensor.Item<float>() * 2f), doubled.Value);
    }

    [Fact]
    public void ATensorOfSeveralElementsIsRefusedAsPyTorchRefusesFloatOfIt()
    {
        FloatOrTensor several = Torch.Tensor([0.1f, 0.2f]);
        var e = Assert.Throws<InvalidOperationException>(() => { double d = several; return d; });
        Assert.Equal("a Tensor with 2 elements cannot be converted to Scalar", e.Message);
    }
}
