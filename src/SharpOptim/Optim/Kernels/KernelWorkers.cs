namespace SharpOptim.Optim.Kernels;

/// <summary>Work split into independent items, run by <see cref="KernelWorkers"/>.</summary>
internal abstract class WorkPlan
{
    /// <summary>Number of items.</summary>
    public int ItemCount { get; protected set; }

    /// <summary>Runs item <paramref name="item"/>; items may run on any thread, in any order.</summary>
    public abstract void RunItem(int item);

    /// <summary>Called once the dispatch is over.</summary>
    public abstract void Release();
}

/// <summary>
/// The optimizer kernels' own threads: <see cref="Torch.GetNumThreads"/> − 1 background threads
/// that sleep until a dispatch wakes them, then claim items alongside the calling thread. Unlike
/// <c>Parallel.For</c> a dispatch allocates nothing (no closures, no tasks). The caller waits only
/// for items a helper has claimed, never for a helper to wake up: on a busy machine a helper that
/// comes late finds the work done and goes back to sleep. One dispatch runs at a time; a
/// concurrent one (optimizers stepped from two threads) runs inline instead.
/// <para>
/// Items are split into one contiguous home range per thread (the caller's first, then helper 1's,
/// …), each with its own cursor; a thread claims its home range's items in order, then helps with
/// the others'. So when every thread is on time, each one touches the same elements step after
/// step, as OpenMP's static schedule does: tensors that fit in the caches stay in the cache of the
/// core that uses them. One shared cursor handed items out in turn instead, so chunks moved
/// between the cores' caches from step to step: Adam on one tensor of 1M–4M elements took
/// 1.1–1.3× the time with 2 threads (docs/benchmarks.md, "Issue 13").
/// </para>
/// </summary>
internal static class KernelWorkers
{
    private static readonly object Gate = new();

    // Waking takes no lock on the calling thread: tickets are an interlocked count, and a helper
    // that went to sleep is woken through its own event. A caller that had to block on a lock
    // (contended with a helper) would allocate its wait state on its first such wait, an
    // allocation inside some step.
    private static int _wakeTickets;
    private static readonly List<Helper> Helpers = [];

    /// <summary>A helper thread, its wake-up event and whether it sleeps on it.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Helpers live as long as the process; their events are never released.")]
    private sealed class Helper
    {
        public readonly AutoResetEvent Signal = new(false);
        public int Sleeping;
    }

    private static int _busy;
    private static WorkPlan? _plan;

    /// <summary>Home ranges at most: helpers beyond share the other helpers' ranges as their home.</summary>
    private const int MaxRanges = 64;

    /// <summary>
    /// One cursor per home range: the dispatch's generation (high 32 bits) and the range's next
    /// unclaimed item (low 32 bits), claimed together. Range 0's cursor is written last when a
    /// dispatch opens, so its generation publishes the dispatch (plan, range count, other cursors).
    /// </summary>
    private static readonly RangeCursor[] Cursors = new RangeCursor[MaxRanges];

    /// <summary>A cursor alone on its cache lines, so that threads claiming in different ranges do not contend.</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Size = 128)]
    private struct RangeCursor
    {
        public long Value;
    }

    /// <summary>The open dispatch's number of home ranges.</summary>
    private static int _ranges;

    private static int _completed;
    private static Exception? _failure;

    /// <summary>
    /// The low half of every cursor once a dispatch is over: no item index reaches it, so a claim
    /// that read a cursor of a finished dispatch fails, whatever the plan object holds by then.
    /// </summary>
    private const int Closed = int.MaxValue;

    /// <summary>
    /// Runs every item of <paramref name="plan"/> on up to <paramref name="threads"/> threads, the
    /// caller included; false (nothing run) when another dispatch holds the workers. Either way the
    /// plan is released before this returns.
    /// </summary>
    /// <remarks>
    /// The protocol's invariant: a claim succeeds only while its dispatch is open. A helper reads
    /// range 0's cursor (the generation), then the plan and range count; each claim then reads a
    /// range's cursor (generation, next item) and takes the item with a compare-and-swap on that
    /// whole cursor; it may be preempted anywhere in between. The owner reuses plan objects (one per
    /// thread and body type in ChunkPlan, one per workspace in BFloat16Product) and refills them
    /// before its next dispatch publishes a new generation, so "generation G, item i" alone does not
    /// identify a dispatch's work: a helper that read G and then slept through the end of G would see
    /// a refilled plan with more items under a cursor still reading G. Closing every cursor
    /// (<see cref="Closed"/>) when the dispatch ends, after its last claimed item has completed, makes
    /// every such stale claim fail, and means the owner never returns while an item still runs.
    /// Cursors beyond the open dispatch's range count stay closed from the dispatch that last used them.
    /// </remarks>
    public static bool TryRun(WorkPlan plan, int threads)
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            plan.Release();
            return false;
        }
        long generation = (Volatile.Read(ref Cursors[0].Value) >> 32) + 1;
        int ranges = Math.Clamp(Math.Min(threads, plan.ItemCount), 1, MaxRanges);
        try
        {
            int helpers = Math.Min(threads, plan.ItemCount) - 1;
            EnsureThreads(helpers);
            _failure = null;
            _completed = 0;
            // The range count before the plan: a helper that sees this plan sees its range count.
            Volatile.Write(ref _ranges, ranges);
            Volatile.Write(ref _plan, plan);
            // Range 0 last: its generation publishes the plan, the range count and the other cursors.
            for (int r = ranges - 1; r >= 0; r--)
                Volatile.Write(ref Cursors[r].Value, (generation << 32) | (uint)RangeStart(plan.ItemCount, ranges, r));
            if (helpers > 0)
            {
                // Tickets left over from late helpers still count.
                Interlocked.Exchange(ref _wakeTickets, helpers);
                for (int i = 0; i < Helpers.Count; i++)
                    if (Volatile.Read(ref Helpers[i].Sleeping) == 1) Helpers[i].Signal.Set();
            }
            RunItems(plan, generation, ranges, home: 0, helper: false);
            WaitForItems(plan.ItemCount);
            if (_failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            return true;
        }
        finally
        {
            // Every item is claimed and completed here (RunItems left none unclaimed, WaitForItems
            // saw them finish), so closing loses no work; it must precede the plan's release and
            // reuse.
            for (int r = 0; r < ranges; r++) Volatile.Write(ref Cursors[r].Value, (generation << 32) | Closed);
            Volatile.Write(ref _plan, null);
            plan.Release();
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>The first item of home range <paramref name="range"/> of <paramref name="ranges"/> (range <paramref name="ranges"/>: the item count).</summary>
    private static int RangeStart(int itemCount, int ranges, int range) => (int)((long)itemCount * range / ranges);

    /// <summary>
    /// Claims and runs items of generation <paramref name="generation"/>: those of home range
    /// <paramref name="home"/> first, then those left in the other ranges, until none is left or a
    /// newer dispatch began.
    /// </summary>
    private static void RunItems(WorkPlan plan, long generation, int ranges, int home, bool helper)
    {
        for (int i = 0; i < ranges; i++)
        {
            int range = (home + i) % ranges;
            int end = RangeStart(plan.ItemCount, ranges, range + 1);
            while (true)
            {
                long cursor = Volatile.Read(ref Cursors[range].Value);
                if (helper) HelperSeams.CursorRead?.Invoke();
                int item = (int)cursor;
                if (cursor >> 32 != generation) return;   // this dispatch is over
                if (item >= end) break;                   // this range is done: help with the next
                if (Interlocked.CompareExchange(ref Cursors[range].Value, cursor + 1, cursor) != cursor) continue;
                try
                {
                    plan.RunItem(item);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _failure, e, null);
                }
                Interlocked.Increment(ref _completed);
            }
        }
    }

    /// <summary>
    /// Waits for the items helpers have claimed, spinning, then yielding the core. No blocking
    /// wait (a monitor, or the sleep SpinWait escalates to): the wait is for items already running
    /// (at most one per helper), and a thread's first blocking wait allocates its wait state, which
    /// would put an allocation inside some step.
    /// </summary>
    private static void WaitForItems(int count)
    {
        for (int spins = 0; Volatile.Read(ref _completed) < count; spins++)
        {
            if (spins < 64) Thread.SpinWait(20);
            else Thread.Yield();
        }
    }

    private static void EnsureThreads(int count)
    {
        if (Helpers.Count >= count) return;
        lock (Gate)
        {
            while (Helpers.Count < count)
            {
                var helper = new Helper();
                int index = Helpers.Count;
                new Thread(() => WorkerLoop(helper, index)) { IsBackground = true, Name = $"SharpOptim kernel worker {Helpers.Count + 1}" }.Start();
                Helpers.Add(helper);
            }
        }
    }

    /// <summary>How long a helper keeps looking for the next dispatch before it sleeps.</summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 1000;   // 1 ms

    /// <summary>
    /// Spins briefly before sleeping, as OpenMP's threads do: a sleeping thread takes tens of
    /// microseconds to wake, longer than a whole dispatch of a few hundred thousand elements, so
    /// back-to-back steps would otherwise run on the caller alone.
    /// </summary>
    private static void SpinForWork()
    {
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
        while (Volatile.Read(ref _wakeTickets) == 0 && System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
            Thread.SpinWait(20);
    }

    private static bool TryTakeTicket()
    {
        int tickets;
        while ((tickets = Volatile.Read(ref _wakeTickets)) > 0)
            if (Interlocked.CompareExchange(ref _wakeTickets, tickets - 1, tickets) == tickets) return true;
        return false;
    }

    /// <summary>Takes a ticket: spinning first, then asleep on the helper's event.</summary>
    private static void WaitForTicket(Helper helper)
    {
        SpinForWork();
        while (!TryTakeTicket())
        {
            // Announce the sleep, then look once more: a dispatch that handed out tickets before
            // seeing the announcement is caught by the second look (both sides are full fences).
            Interlocked.Exchange(ref helper.Sleeping, 1);
            if (!TryTakeTicket()) helper.Signal.WaitOne();
            else
            {
                Volatile.Write(ref helper.Sleeping, 0);
                return;
            }
            Volatile.Write(ref helper.Sleeping, 0);
        }
    }

    private static void WorkerLoop(Helper helper, int index)
    {
        while (true)
        {
            WaitForTicket(helper);
            // Range 0's cursor first, then the plan and range count: those read after a
            // generation's cursor are that generation's or a later one's (or the same plan
            // refilled), and every claim then fails unless generation G is still open (see
            // TryRun's remarks).
            long generation = Volatile.Read(ref Cursors[0].Value) >> 32;
            if (Volatile.Read(ref _plan) is { } plan)
            {
                // Helper i's home is range i + 1; helpers beyond the dispatch's ranges (the pool is
                // larger when the thread count was lowered) share the helpers' ranges, never the caller's.
                int ranges = Volatile.Read(ref _ranges);
                RunItems(plan, generation, ranges, home: ranges > 1 ? 1 + index % (ranges - 1) : 0, helper: true);
            }
            HelperSeams.ItemsDone?.Invoke();
        }
    }
}

/// <summary>
/// Test-only pause points in a helper thread's loop, so a test can stop a helper exactly where a
/// preempted thread would stop and replay the interleavings that matter. Both are null outside
/// tests; reading a null static costs a load per claim.
/// </summary>
internal static class HelperSeams
{
    /// <summary>Called on a helper just after it read the cursor, before it checks and claims an item.</summary>
    public static Action? CursorRead;

    /// <summary>Called on a helper when it is done with a dispatch (its claims are over).</summary>
    public static Action? ItemsDone;
}
