using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim.SwaUtils;
using Xunit;

namespace SharpOptim.Tests.Optim.SwaUtils;

/// <summary>
/// AveragedModel typed by the model: the averaged copy's layers are reachable without a cast, as
/// <c>swa_model.module[0]</c> is in Python. Before, <c>Module</c> was typed <see cref="Module"/>.
/// </summary>
public class TypedAveragedModelTests
{
    [Fact]
    public void TheAveragedCopyKeepsTheModelsType()
    {
        Torch.ManualSeed(0);
        var model = new Sequential(new Linear(3, 2), new ReLU(), new Linear(2, 1));
        var swa = AveragedModel.Of(model);
        Sequential copy = swa.Module;
        Assert.NotSame(model, copy);
        var firstLayer = Assert.IsType<Linear>(copy[0]);
        Assert.Equal(((Linear)model[0]).Weight.ToArray<float>(), firstLayer.Weight.ToArray<float>());

        var explicitType = new AveragedModel<Sequential>(model, useBuffers: true);
        Assert.True(explicitType.UseBuffers);
        Assert.IsType<Sequential>(explicitType.Module);
    }

    [Fact]
    public void TheTypedModelAveragesAsTheUntypedOne()
    {
        Torch.ManualSeed(1);
        var model = new Linear(4, 2);
        var typed = AveragedModel.Of(model);
        var untyped = new AveragedModel(model);
        for (int step = 0; step < 3; step++)
        {
            using (Torch.NoGrad()) model.Weight.Mul_(0.5).Add_(1.0);
            typed.UpdateParameters(model);
            untyped.UpdateParameters(model);
        }
        Assert.Equal(((Linear)untyped.Module).Weight.ToArray<float>(), typed.Module.Weight.ToArray<float>());
        Assert.Equal(3L, typed.NAveraged.Item<long>());
    }
}
