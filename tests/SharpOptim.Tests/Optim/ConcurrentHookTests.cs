using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Hooks registered and removed on one thread while other threads step. Each
/// stepping thread has its own optimizer (one optimizer is not thread-safe, different ones are).
/// Isolated, because global step hooks run on every optimizer's step in the process.
/// </summary>
[Collection(IsolatedTestsCollection.Name)]
public class ConcurrentHookTests
{
    private const int Threads = 4;
    private const int Steps = 4000;

    private static Optimizer NewOptimizer(int seed)
    {
        var generator = new Generator(seed);
        var ps = Enumerable.Range(0, 3).Select(_ =>
        {
            var p = Torch.Randn([4, 3], generator: generator).RequiresGrad_();
            p.Grad = Torch.Randn([4, 3], generator: generator);
            return p;
        }).ToArray();
        return new SGD(ps, lr: 1e-3, momentum: 0.9);
    }

    private static float[][] Values(Optimizer optimizer) => optimizer.ParamGroups[0].Params.Select(p => p.ToArray<float>()).ToArray();

    /// <summary>Runs <paramref name="work"/> on <see cref="Threads"/> threads at once, rethrowing the first failure.</summary>
    private static void OnThreads(Action<int> work, Action? meanwhile = null)
    {
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        using var start = new Barrier(Threads + (meanwhile is null ? 0 : 1));
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            try { work(t); }
            catch (Exception e) { failures.Enqueue(e); }
        })).ToList();
        foreach (var thread in threads) thread.Start();
        if (meanwhile is not null)
        {
            start.SignalAndWait();
            try { meanwhile(); }
            catch (Exception e) { failures.Enqueue(e); }
        }
        foreach (var thread in threads) thread.Join();
        if (failures.TryDequeue(out var failure)) throw new AggregateException(failure);
    }

    [Fact]
    public void HooksChangingWhileOptimizersStepNeitherFailNorChangeTheSteps()
    {
        var serial = Enumerable.Range(0, Threads).Select(NewOptimizer).ToArray();
        foreach (var optimizer in serial)
            for (int i = 0; i < Steps; i++) optimizer.Step();

        var optimizers = Enumerable.Range(0, Threads).Select(NewOptimizer).ToArray();
        var preCalls = new int[Threads];
        var postCalls = new int[Threads];
        int IndexOf(Optimizer o) => Array.IndexOf(optimizers, o);
        using var countPre = Optimizer.RegisterOptimizerStepPreHook((o, _) =>
        {
            if (IndexOf(o) is var i and >= 0) Interlocked.Increment(ref preCalls[i]);
            return null;
        });
        using var countPost = Optimizer.RegisterOptimizerStepPostHook((o, _) =>
        {
            if (IndexOf(o) is var i and >= 0) Interlocked.Increment(ref postCalls[i]);
        });

        // Hooks that stay make the lists longer, so a change takes longer to make.
        var staying = Enumerable.Range(0, 8).Select(_ => Optimizer.RegisterOptimizerStepPreHook((_, _) => null))
            .Concat(Enumerable.Range(0, 8).Select(_ => Optimizer.RegisterOptimizerStepPostHook((_, _) => { }))).ToList();
        int stepping = Threads, churns = 0;
        OnThreads(t =>
        {
            try
            {
                for (int i = 0; i < Steps; i++) optimizers[t].Step();
            }
            finally
            {
                Interlocked.Decrement(ref stepping);
            }
        }, meanwhile: () =>
        {
            // Global and instance hooks of every kind come and go, on the optimizers being stepped.
            while (Volatile.Read(ref stepping) > 0 || churns < 100)
            {
                var target = optimizers[churns % Threads];
                var handles = new[]
                {
                    Optimizer.RegisterOptimizerStepPreHook((_, _) => null),
                    Optimizer.RegisterOptimizerStepPostHook((_, _) => { }),
                    target.RegisterStepPreHook((_, _) => null),
                    target.RegisterStepPostHook((_, _) => { }),
                    Optimizer.RegisterOptimizerStepPreHook((_, _) => null),
                };
                foreach (var handle in churns % 2 == 0 ? handles : handles.Reverse()) handle.Remove();
                churns++;
            }
        });

        foreach (var handle in staying) handle.Remove();
        for (int t = 0; t < Threads; t++)
        {
            Assert.Equal(Steps, preCalls[t]);
            Assert.Equal(Steps, postCalls[t]);
            Assert.Equal(Values(serial[t]), Values(optimizers[t]));
        }
    }

    [Fact]
    public void RegistrationsFromManyThreadsAreNeitherLostNorDoubled()
    {
        const int PerThread = 500;
        var optimizer = NewOptimizer(0);
        int calls = 0;
        var handles = new RemovableHandle[Threads][];
        OnThreads(t => handles[t] = Enumerable.Range(0, PerThread)
            .Select(i => optimizer.RegisterStateDictPreHook(_ => Interlocked.Increment(ref calls), prepend: i % 2 == 0))
            .ToArray());
        optimizer.StateDict();
        Assert.Equal(Threads * PerThread, calls);

        // Every handle removed, each from two threads at once: each removes exactly its own hook.
        OnThreads(t =>
        {
            foreach (var handle in handles[t]) handle.Remove();
            foreach (var handle in handles[(t + 1) % Threads]) handle.Remove();
        });
        calls = 0;
        optimizer.StateDict();
        Assert.Equal(0, calls);
    }
}
