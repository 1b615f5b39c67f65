using System.Runtime.CompilerServices;
using SharpOptim.Optim.Kernels;
using Xunit;

namespace SharpOptim.Tests.Optim.Kernels;

/// <summary>
/// The kernel workers' dispatch protocol under the interleavings a preempted thread produces,
/// replayed deterministically through <see cref="HelperSeams"/>: a helper stopped between reading
/// the cursor and claiming an item must never run an item of a later dispatch, and a dispatch
/// that could not get the workers must not keep its tensors reachable.
/// Isolated: the seams and the single pool are process-wide.
/// </summary>
[Collection(SharpOptim.Tests.Optim.IsolatedTestsCollection.Name)]
public class KernelWorkersProtocolTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>A plan whose items count their runs; an optional action runs inside each item.</summary>
    private sealed class CountingPlan : WorkPlan
    {
        public int[] Runs = [];
        public Action<int>? OnRun;

        public void Fill(int items)
        {
            ItemCount = items;
            Runs = new int[items];
        }

        public override void RunItem(int item)
        {
            Interlocked.Increment(ref Runs[item]);
            OnRun?.Invoke(item);
        }

        public override void Release() { }
    }

    [Fact]
    public void A_helper_paused_before_its_claim_cannot_run_items_of_the_refilled_plan()
    {
        var plan = new CountingPlan();
        plan.Fill(4);
        using var paused = new ManualResetEventSlim();
        using var resume = new ManualResetEventSlim();
        using var finished = new ManualResetEventSlim();
        int armed = 1, pausedThread = -1;
        HelperSeams.CursorRead = () =>
        {
            if (Interlocked.Exchange(ref armed, 0) != 1) return;
            Volatile.Write(ref pausedThread, Environment.CurrentManagedThreadId);
            paused.Set();
            resume.Wait();
        };
        HelperSeams.ItemsDone = () =>
        {
            if (Environment.CurrentManagedThreadId == Volatile.Read(ref pausedThread)) finished.Set();
        };
        try
        {
            // The caller holds its first item until a helper has read the cursor, so that a helper
            // stops inside this dispatch however late it wakes.
            plan.OnRun = _ => paused.Wait(Patience);
            Assert.True(KernelWorkers.TryRun(plan, threads: 2));
            Assert.True(paused.IsSet, "no helper reached the pause point");
            Assert.All(plan.Runs, runs => Assert.Equal(1, runs));

            // The owner refills the same plan object for its next dispatch (as ChunkPlan and
            // BFloat16Product do) before publishing it; the paused helper wakes up in between.
            plan.OnRun = null;
            plan.Fill(8);
            resume.Set();
            Assert.True(finished.Wait(Patience), "the resumed helper did not leave its claim loop");
            Assert.All(plan.Runs, runs => Assert.Equal(0, runs));

            Assert.True(KernelWorkers.TryRun(plan, threads: 2));
            Assert.All(plan.Runs, runs => Assert.Equal(1, runs));
        }
        finally
        {
            HelperSeams.CursorRead = null;
            HelperSeams.ItemsDone = null;
            resume.Set();
        }
    }

    /// <summary>Holds an array only through the body a chunk plan captures.</summary>
    private struct HoldingBody(float[] data) : IChunkBody
    {
        private readonly float[] _data = data;
        public readonly int Length(int tensor) => _data.Length;
        public readonly void Run(int tensor, int start, int length) => _data.AsSpan(start, length).Fill(1f);
    }

    [Fact]
    public void A_dispatch_that_ran_inline_because_the_pool_was_busy_releases_its_tensors()
    {
        int previousThreads = Torch.GetNumThreads();
        Torch.SetNumThreads(2);
        var blocker = new CountingPlan();
        blocker.Fill(2);
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        blocker.OnRun = _ =>
        {
            holding.Set();
            release.Wait(Patience);
        };
        var owner = new Thread(() => KernelWorkers.TryRun(blocker, threads: 2));
        try
        {
            owner.Start();
            Assert.True(holding.Wait(Patience));
            var data = RunInlineAndForget();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.False(data.IsAlive, "the calling thread's chunk plan still holds the last dispatch's tensors");
        }
        finally
        {
            release.Set();
            owner.Join();
            Torch.SetNumThreads(previousThreads);
        }
    }

    /// <summary>Runs a dispatch large enough for the workers (which are busy) and returns a weak reference to its data.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference RunInlineAndForget()
    {
        var data = new float[ParallelChunker.ParallelThreshold + 1000];
        ParallelChunker.Run(1, new HoldingBody(data));
        Assert.All(data, x => Assert.Equal(1f, x));
        return new WeakReference(data);
    }
}
