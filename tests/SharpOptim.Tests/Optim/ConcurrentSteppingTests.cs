using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// The threading contract (docs/ARCHITECTURE.md): one optimizer is not thread-safe, but different
/// optimizers stepped on different threads give the same bits as stepping them one after the
/// other. Eight optimizers of different algorithms, each over one tensor large enough for the
/// kernel workers and many tiny ones, step on eight threads at once while another thread registers
/// and removes global step hooks; every parameter and state tensor must equal a serial run's.
/// Isolated: the global hooks would run on other tests' optimizers.
/// </summary>
[Collection(IsolatedTestsCollection.Name)]
public class ConcurrentSteppingTests
{
    private const int Steps = 2000;
    private const int LargeElements = SharpOptim.Optim.Kernels.ParallelChunker.ParallelThreshold + 4_464;   // one tensor on the workers
    private const int TinyTensors = 24;

    private static readonly Func<Tensor[], Optimizer>[] Algorithms =
    [
        ps => new SGD(ps, lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 0.01),
        ps => new Adam(ps, lr: 1e-3, amsgrad: true),
        ps => new AdamW(ps, lr: 1e-3, @foreach: true),
        ps => new RMSprop(ps, lr: 1e-3, momentum: 0.5, centered: true),
        ps => new Adagrad(ps, lr: 0.01, lrDecay: 1e-3),
        ps => new NAdam(ps, lr: 1e-3, decoupledWeightDecay: true, weightDecay: 0.01),
        ps => new Rprop(ps, lr: 1e-3),
        ps => new Adafactor(ps, lr: 1e-2),
    ];

    /// <summary>One optimizer's run: its parameters, and gradients it cycles through.</summary>
    private sealed class Run
    {
        public readonly Tensor[] Params;
        public readonly Optimizer Optimizer;
        private readonly Tensor[][] _gradients;

        public Run(int seed, Func<Tensor[], Optimizer> make)
        {
            var generator = new Generator(100 + seed);
            var shapes = new List<int[]> { new[] { LargeElements } };
            for (int i = 0; i < TinyTensors; i++) shapes.Add(i % 2 == 0 ? [3] : [2, 2]);
            Params = shapes.Select(s => Torch.Randn(s, generator: generator).RequiresGrad_()).ToArray();
            _gradients = Enumerable.Range(0, 3)
                .Select(_ => shapes.Select(s => Torch.Randn(s, generator: generator)).ToArray()).ToArray();
            foreach (var p in Params) p.Grad = Torch.ZerosLike(p);
            Optimizer = make(Params);
        }

        public void Step(int step)
        {
            var gradients = _gradients[step % _gradients.Length];
            for (int i = 0; i < Params.Length; i++) Params[i].Grad!.Copy_(gradients[i]);
            Optimizer.Step();
        }

        /// <summary>Every parameter and state tensor, as raw bits.</summary>
        public List<byte[]> Snapshot()
        {
            var bits = Params.Select(p => p.AsBytes().ToArray()).ToList();
            foreach (var p in Params)
                foreach (var value in Optimizer.State[p].Values)
                    if (value is Tensor t) bits.Add(t.AsBytes().ToArray());
            return bits;
        }
    }

    [Fact]
    public void Eight_optimizers_on_eight_threads_match_a_serial_run_bit_for_bit()
    {
        var serial = Algorithms.Select((make, i) => new Run(i, make)).ToArray();
        foreach (var run in serial)
            for (int step = 0; step < Steps; step++) run.Step(step);

        var concurrent = Algorithms.Select((make, i) => new Run(i, make)).ToArray();
        int hookCalls = 0;
        using var stop = new CancellationTokenSource();
        var hookChurn = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var pre = Optimizer.RegisterOptimizerStepPreHook((_, _) => { Interlocked.Increment(ref hookCalls); return null; });
                var post = Optimizer.RegisterOptimizerStepPostHook((_, _) => Interlocked.Increment(ref hookCalls));
                pre.Remove();
                post.Remove();
            }
        });
        using var start = new Barrier(concurrent.Length);
        var failures = new Exception?[concurrent.Length];
        var workers = concurrent.Select((run, i) => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                for (int step = 0; step < Steps; step++) run.Step(step);
            }
            catch (Exception e)
            {
                failures[i] = e;
            }
        })).ToArray();

        hookChurn.Start();
        foreach (var worker in workers) worker.Start();
        foreach (var worker in workers) worker.Join();
        stop.Cancel();
        hookChurn.Join();

        Assert.All(failures, failure => Assert.Null(failure));
        Assert.True(hookCalls > 0, "the global hooks never ran during the concurrent steps");
        for (int i = 0; i < serial.Length; i++)
        {
            var expected = serial[i].Snapshot();
            var actual = concurrent[i].Snapshot();
            Assert.Equal(expected.Count, actual.Count);
            for (int t = 0; t < expected.Count; t++)
                Assert.True(expected[t].AsSpan().SequenceEqual(actual[t]), $"{serial[i].Optimizer.GetType().Name}: tensor {t} differs from the serial run");
        }
    }
}
