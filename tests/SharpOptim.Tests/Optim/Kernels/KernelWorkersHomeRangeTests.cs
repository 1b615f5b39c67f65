using SharpOptim.Optim.Kernels;
using Xunit;

namespace SharpOptim.Tests.Optim.Kernels;

/// <summary>
/// The kernel workers split a dispatch's items into one contiguous home range per thread, so that
/// each thread touches the same elements at every step (a tensor that fits in the caches stays in
/// the cache of the core that updates it). Isolated: the pool is process-wide.
/// </summary>
[Collection(SharpOptim.Tests.Optim.IsolatedTestsCollection.Name)]
public class KernelWorkersHomeRangeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Records which thread ran each item, and in what order items were run.</summary>
    private sealed class RecordingPlan : WorkPlan
    {
        public int[] Runs = [];
        public int[] Threads = [];
        public Action<int>? OnRun;

        public void Fill(int items)
        {
            ItemCount = items;
            Runs = new int[items];
            Threads = new int[items];
        }

        public override void RunItem(int item)
        {
            Interlocked.Increment(ref Runs[item]);
            Threads[item] = Environment.CurrentManagedThreadId;
            OnRun?.Invoke(item);
        }

        public override void Release() { }
    }

    /// <summary>At least two, and at least as many as helpers earlier tests may have started (one per core but the caller's).</summary>
    private static int Threads => Math.Max(2, Environment.ProcessorCount);

    [Fact]
    public void A_helper_starts_in_its_own_home_range_not_at_the_callers_next_item()
    {
        int threads = Threads, items = 4 * threads;
        var plan = new RecordingPlan();
        plan.Fill(items);
        int caller = Environment.CurrentManagedThreadId, firstHelperItem = -1;
        using var helperRan = new ManualResetEventSlim();
        plan.OnRun = item =>
        {
            if (Environment.CurrentManagedThreadId != caller)
            {
                Interlocked.CompareExchange(ref firstHelperItem, item, -1);
                helperRan.Set();
            }
            // The caller holds its first item until a helper has run one, so a helper runs
            // something however late it wakes.
            else if (item == 0) helperRan.Wait(Patience);
        };

        Assert.True(KernelWorkers.TryRun(plan, threads));

        Assert.True(helperRan.IsSet, "no helper ran an item");
        Assert.All(plan.Runs, runs => Assert.Equal(1, runs));
        Assert.Equal(caller, plan.Threads[0]);
        // Home ranges of 4 items each: a helper's first claim is in a helper's range (item 4 on),
        // where one shared cursor would have handed it the caller's next item, 1.
        Assert.True(firstHelperItem >= 4, $"a helper's first item was {firstHelperItem}");
    }

    [Fact]
    public void A_caller_whose_helpers_are_late_runs_every_range_in_order()
    {
        var plan = new RecordingPlan();
        plan.Fill(10);
        var order = new List<int>();
        int caller = Environment.CurrentManagedThreadId;
        plan.OnRun = item =>
        {
            if (Environment.CurrentManagedThreadId == caller) lock (order) order.Add(item);
        };
        // Not disposed: paused helpers may still be returning from Wait when this test ends.
        var resume = new ManualResetEventSlim();
        // Every helper stops before its first claim until the dispatch is over.
        HelperSeams.CursorRead = () => resume.Wait(Patience);
        try
        {
            Assert.True(KernelWorkers.TryRun(plan, threads: 3));
        }
        finally
        {
            HelperSeams.CursorRead = null;
            resume.Set();
        }

        Assert.All(plan.Runs, runs => Assert.Equal(1, runs));
        // Its own range first (items 0–2 of 10 over 3 ranges), then the others' from their fronts.
        Assert.Equal(Enumerable.Range(0, 10), order);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Every_item_runs_exactly_once_whatever_the_ranges(int threads)
    {
        var plan = new RecordingPlan();
        foreach (int items in new[] { 1, 2, 3, 7, 64, 1001 })
        {
            plan.Fill(items);
            Assert.True(KernelWorkers.TryRun(plan, threads));
            Assert.All(plan.Runs, runs => Assert.Equal(1, runs));
        }
    }
}
