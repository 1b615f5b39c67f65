using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// A scheduler overwrites in place the box that holds a group's number lr (so that its steps
/// allocate nothing), but only a box no caller has seen: whatever left the group through the
/// public API keeps its value.
/// </summary>
public class ParamGroupReusedBoxTests
{
    private static SGD Optimizer() => new([Torch.Zeros([2], requiresGrad: true)], lr: 0.1, momentum: 0.9);

    [Fact]
    public void AnLrReadThroughTheIndexerKeepsItsValueWhileTheSchedulerSteps()
    {
        var optimizer = Optimizer();
        var scheduler = new ExponentialLR(optimizer, gamma: 0.5);
        scheduler.Step();
        scheduler.Step(); // the group's box is now its own, overwritten in place
        object held = optimizer.ParamGroups[0]["lr"]!;
        scheduler.Step();
        scheduler.Step();
        Assert.Equal(0.025, (double)held);
        Assert.Equal(0.00625, optimizer.ParamGroups[0].Lr);
    }

    [Fact]
    public void StateDictsAndEnumeratedOptionsKeepTheirValues()
    {
        var optimizer = Optimizer();
        var scheduler = new CyclicLR(optimizer, baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2);
        for (int i = 0; i < 3; i++) scheduler.Step();
        var saved = optimizer.StateDict();
        var enumerated = optimizer.ParamGroups[0].ToDictionary(kv => kv.Key, kv => kv.Value);
        var (lr, momentum) = ((double)saved.ParamGroups[0]["lr"]!, (double)saved.ParamGroups[0]["momentum"]!);
        for (int i = 0; i < 3; i++) scheduler.Step();
        Assert.Equal(lr, (double)saved.ParamGroups[0]["lr"]!);
        Assert.Equal(momentum, (double)saved.ParamGroups[0]["momentum"]!);
        Assert.Equal(lr, (double)enumerated["lr"]!);
        Assert.Equal(momentum, (double)enumerated["momentum"]!);
        Assert.NotEqual(lr, optimizer.ParamGroups[0].Lr);
    }

    [Fact]
    public void BetasReadThroughTheIndexerKeepTheirValue()
    {
        var optimizer = new Adam([Torch.Zeros([2], requiresGrad: true)], lr: 0.01);
        var scheduler = new OneCycleLR(optimizer, maxLr: 0.1, totalSteps: 20);
        for (int i = 0; i < 3; i++) scheduler.Step();
        Assert.True(optimizer.ParamGroups[0].TryGetValue("betas", out var held));
        var before = ((double, double))held!;
        for (int i = 0; i < 3; i++) scheduler.Step();
        Assert.Equal(before, ((double, double))held!);
        Assert.NotEqual(before.Item1, optimizer.ParamGroups[0].GetPair("betas").Item1);
    }

    [Fact]
    public void LastLrsReturnedEarlierKeepTheirValues()
    {
        var optimizer = Optimizer();
        var scheduler = new ExponentialLR(optimizer, gamma: 0.5);
        var last = scheduler.GetLastLr();
        var lrs = scheduler.GetLr();
        scheduler.Step();
        Assert.Equal(0.1, last[0].Value);
        Assert.Equal(0.05, lrs[0].Value);
        Assert.Equal(0.05, scheduler.GetLastLr()[0].Value);
    }
}
