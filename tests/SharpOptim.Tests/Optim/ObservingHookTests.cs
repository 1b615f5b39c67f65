using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Hooks that only observe, written as a PyTorch user writes a hook returning None: a lambda with
/// no return value. Before the Action overloads these did not compile (the hook had to return a
/// StepArgs? or a dict), which is the regression this file guards.
/// </summary>
[Collection(IsolatedTestsCollection.Name)]
public class ObservingHookTests
{
    private static Parameter ParamWithGrad()
    {
        var p = new Parameter(Torch.Tensor([1f, 2f]));
        p.Grad = Torch.Tensor([0.5f, 0.5f]);
        return p;
    }

    [Fact]
    public void LoggingStepPreHookRunsAndKeepsTheArguments()
    {
        var sgd = new SGD([ParamWithGrad()], lr: 0.1);
        var log = new List<string>();
        using var handle = sgd.RegisterStepPreHook((opt, args) => log.Add($"{opt.GetType().Name} {args.Closure is null}"));
        Assert.Equal(7, sgd.Step(() => Torch.Scalar(7))!.Item());
        Assert.Equal(["SGD False"], log);
        handle.Remove();
        sgd.Step();
        Assert.Single(log);
    }

    [Fact]
    public void LoggingGlobalStepPreHookSeesEveryOptimizer()
    {
        var sgd = new SGD([ParamWithGrad()], lr: 0.1);
        int calls = 0;
        using (Optimizer.RegisterOptimizerStepPreHook((opt, _) => { if (opt == sgd) calls++; }))
            sgd.Step();
        sgd.Step();
        Assert.Equal(1, calls);
    }

    [Fact]
    public void ObservingStateDictHooksKeepTheDictionaries()
    {
        var sgd = new SGD([ParamWithGrad()], lr: 0.1, momentum: 0.9);
        sgd.Step();
        var seen = new List<string>();
        sgd.RegisterStateDictPostHook((_, d) => seen.Add($"saved {d.State.Count}"));
        sgd.RegisterLoadStateDictPreHook((_, d) => seen.Add($"loading {d.State.Count}"));
        var saved = sgd.StateDict();
        Assert.Single(saved.State);
        sgd.LoadStateDict(saved);
        Assert.Equal(["saved 1", "loading 1"], seen);
        Assert.Single(sgd.State);
    }

    [Fact]
    public void ReplacingStepPreHookStillWins()
    {
        var sgd = new SGD([ParamWithGrad()], lr: 0.1);
        sgd.RegisterStepPreHook((_, _) => new StepArgs(() => Torch.Scalar(42)));
        Assert.Equal(42, sgd.Step()!.Item());
    }
}
