using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using SharpOptim.Serialization;
using Xunit;

namespace SharpOptim.Tests.Serialization;

/// <summary>
/// <see cref="Checkpoint"/>: a resume reads as PyTorch's, without casts, and a missing key or a
/// value of another type fails naming the key, the type wanted and the type found.
/// </summary>
public class CheckpointAccessorTests
{
    private static (Sequential Model, SGD Optimizer, StepLR Scheduler) Run()
    {
        Torch.ManualSeed(3);
        var model = new Sequential(new Linear(3, 2));
        var optimizer = new SGD(model.Parameters(), lr: 0.1, momentum: 0.9);
        var scheduler = new StepLR(optimizer, stepSize: 1, gamma: 0.5);
        return (model, optimizer, scheduler);
    }

    private static Checkpoint SaveAndLoad(OrderedDictionary<string, object?> contents)
    {
        using var stream = new MemoryStream();
        Torch.Save(contents, stream);
        stream.Position = 0;
        return Torch.Load<Checkpoint>(stream);
    }

    [Fact]
    public void AResumeReadsWithoutCasts()
    {
        var (model, optimizer, scheduler) = Run();
        model.Forward(Torch.Randn(4, 3)).Sum().Backward();
        optimizer.Step();
        scheduler.Step();
        var ck = SaveAndLoad(new()
        {
            ["model"] = model.StateDict(), ["optimizer"] = optimizer.StateDict(), ["scheduler"] = scheduler.StateDict(),
            ["epoch"] = 7L, ["loss"] = 0.25, ["best"] = true, ["name"] = "run", ["w"] = Torch.Ones(2),
        });

        var (model2, optimizer2, scheduler2) = Run();
        model2.LoadStateDict(ck.GetStateDict("model"));
        optimizer2.LoadStateDict(ck.GetStateDict("optimizer"));
        scheduler2.LoadStateDict(ck.GetStateDict("scheduler"));
        Assert.Equal(model.StateDict()["0.weight"].ToArray<float>(), model2.StateDict()["0.weight"].ToArray<float>());
        Assert.Equal(optimizer.ParamGroups[0].Lr, optimizer2.ParamGroups[0].Lr);
        Assert.Equal(scheduler.LastEpoch, scheduler2.LastEpoch);
        Assert.Equal(7, ck.GetInt("epoch"));
        Assert.Equal(7L, ck.GetLong("epoch"));
        Assert.Equal(7.0, ck.GetDouble("epoch"));   // Python's float(7)
        Assert.Equal(0.25, ck.GetDouble("loss"));
        Assert.True(ck.GetBool("best"));
        Assert.Equal("run", ck.GetString("name"));
        Assert.Equal([1f, 1f], ck.GetTensor("w").ToArray<float>());
        Assert.Equal(["model", "optimizer", "scheduler", "epoch", "loss", "best", "name", "w"], ck.Keys);
    }

    [Fact]
    public void AMissingKeyIsNamedWithTheKeysThereAre()
    {
        var ck = SaveAndLoad(new() { ["model"] = new OrderedDictionary<string, object?> { ["w"] = Torch.Ones(1) }, ["epoch"] = 3L });
        Assert.Equal("checkpoint['optimizer'] is missing: checkpoint has the keys 'model', 'epoch'",
            Assert.Throws<KeyNotFoundException>(() => ck.GetStateDict("optimizer")).Message);
        Assert.Equal("checkpoint['model']['b'] is missing: checkpoint['model'] has the keys 'w'",
            Assert.Throws<KeyNotFoundException>(() => ck.GetStateDict("model").GetTensor("b")).Message);
        Assert.Throws<KeyNotFoundException>(() => ck["nothing"]);
    }

    [Fact]
    public void AValueOfAnotherTypeIsNamedWithTheTypeWantedAndFound()
    {
        var ck = SaveAndLoad(new() { ["epoch"] = 2.5, ["model"] = new List<object?> { 1L }, ["big"] = 1L << 40 });
        Assert.Equal("checkpoint['epoch'] should be an int, but it holds a value of type float (Double)",
            Assert.Throws<InvalidCastException>(() => ck.GetInt("epoch")).Message);
        Assert.Equal("checkpoint['model'] should be a dict with string keys, but it holds a value of type list (List`1)",
            Assert.Throws<InvalidCastException>(() => ck.GetStateDict("model")).Message);
        Assert.Equal("checkpoint['big'] should be an int that fits 32 bits, but it holds a value of type int (Int64)",
            Assert.Throws<InvalidCastException>(() => ck.GetInt("big")).Message);
        Assert.Equal(1L << 40, ck.GetLong("big"));
    }

    [Fact]
    public void ACheckpointThatIsNotADictIsRefusedOnLoad()
    {
        using var stream = new MemoryStream();
        Torch.Save(Torch.Ones(2), stream);
        stream.Position = 0;
        Assert.Throws<CheckpointFormatException>(() => Torch.Load<Checkpoint>(stream));
    }
}
