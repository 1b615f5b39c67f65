using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using SharpOptim.Tests.Optim;
using Xunit;

namespace SharpOptim.Tests.Tensors;

/// <summary>
/// PyTorch's warnings reach the console the way Python's default filter shows them: once per
/// warning, as "UserWarning: message"; every occurrence reaches TorchWarnings.Warned; Action
/// chooses always, never, or an exception. These tests own the process-wide settings, so they
/// run apart from the others, and put back the test suite's silent console afterwards.
/// </summary>
[Collection(IsolatedTestsCollection.Name)]
public sealed class WarningsTests : IDisposable
{
    private readonly StringWriter _console = new();

    public WarningsTests()
    {
        TorchWarnings.Output = _console;
        TorchWarnings.Action = TorchWarningAction.Default; // also forgets what earlier tests printed
    }

    public void Dispose()
    {
        TorchWarnings.Action = TorchWarningAction.Default;
        TorchWarnings.Output = TextWriter.Null;
    }

    private static string StepBeforeOptimizer => "UserWarning: " + SchedulerWarnings.StepBeforeOptimizer;

    private static (SGD Optimizer, StepLR Scheduler) Schedule()
    {
        var optimizer = new SGD([Torch.Zeros([2], requiresGrad: true)], lr: 0.1);
        return (optimizer, new StepLR(optimizer, stepSize: 1, gamma: 0.5));
    }

    private string[] Printed() => _console.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void AWarningIsPrintedTheFirstTimeAndRaisedEveryTime()
    {
        var seen = new List<string>();
        EventHandler<TorchWarningEventArgs> handler = (_, w) => seen.Add(w.ToString());
        TorchWarnings.Warned += handler;
        try
        {
            for (int run = 0; run < 3; run++) Schedule().Scheduler.Step(); // scheduler.step() before optimizer.step()
        }
        finally
        {
            TorchWarnings.Warned -= handler;
        }
        Assert.Equal([StepBeforeOptimizer], Printed());
        Assert.Equal([StepBeforeOptimizer, StepBeforeOptimizer, StepBeforeOptimizer], seen);
    }

    [Fact]
    public void EachDistinctWarningIsPrintedOnce()
    {
        var (optimizer, scheduler) = Schedule();
        scheduler.Step();
        _ = scheduler.GetLr();
        _ = scheduler.GetLr();
        Schedule().Scheduler.Step();
        Assert.Equal([StepBeforeOptimizer, "UserWarning: " + SchedulerWarnings.GetLrOutsideStep], Printed());
        optimizer.Step(); // in the right order: nothing more
        scheduler.Step();
        Assert.Equal(2, Printed().Length);
    }

    [Fact]
    public void AlwaysPrintsEveryOccurrence()
    {
        TorchWarnings.Action = TorchWarningAction.Always;
        for (int run = 0; run < 2; run++) Schedule().Scheduler.Step();
        Assert.Equal([StepBeforeOptimizer, StepBeforeOptimizer], Printed());
    }

    [Fact]
    public void IgnoreDropsWarnings()
    {
        TorchWarnings.Action = TorchWarningAction.Ignore;
        int events = 0;
        EventHandler<TorchWarningEventArgs> handler = (_, _) => events++;
        TorchWarnings.Warned += handler;
        try
        {
            Schedule().Scheduler.Step();
        }
        finally
        {
            TorchWarnings.Warned -= handler;
        }
        Assert.Empty(_console.ToString());
        Assert.Equal(0, events);
    }

    [Fact]
    public void ErrorThrowsBeforeTheStepChangesAnything()
    {
        TorchWarnings.Action = TorchWarningAction.Error;
        var (optimizer, scheduler) = Schedule();
        var ex = Assert.Throws<TorchWarningException>(() => scheduler.Step());
        Assert.Equal("UserWarning", ex.Category);
        Assert.Equal(SchedulerWarnings.StepBeforeOptimizer, ex.Message);
        Assert.Equal(0, scheduler.LastEpoch);
        Assert.Equal(0.1, optimizer.ParamGroups[0].Lr);
        Assert.Empty(_console.ToString());
        TorchWarnings.Action = TorchWarningAction.Default;
        scheduler.Step(); // the same step, warned this time, goes through
        Assert.Equal(1, scheduler.LastEpoch);
    }

    [Fact]
    public void ChangingTheActionPrintsWarningsAgain()
    {
        Schedule().Scheduler.Step();
        TorchWarnings.Action = TorchWarningAction.Default;
        Schedule().Scheduler.Step();
        Assert.Equal([StepBeforeOptimizer, StepBeforeOptimizer], Printed());
    }

    [Fact]
    public void TheConsoleIsTheStandardErrorUnlessRedirected()
    {
        TorchWarnings.Output = null!;
        Assert.Same(Console.Error, TorchWarnings.Output);
    }

    [Fact]
    public void ConcurrentWarningsArePrintedOnceEachAndAllRaised()
    {
        int events = 0;
        EventHandler<TorchWarningEventArgs> handler = (_, _) => Interlocked.Increment(ref events);
        TorchWarnings.Warned += handler;
        try
        {
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
            {
                for (int i = 0; i < 200; i++) TorchWarnings.Warn("UserWarning", $"concurrent warning {i % 10}");
            });
        }
        finally
        {
            TorchWarnings.Warned -= handler;
        }
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"UserWarning: concurrent warning {i}").Order(), Printed().Order());
        Assert.Equal(8 * 200, events);
    }
}
