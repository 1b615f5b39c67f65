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
/// that sleep until a dispatch wakes them, then claim items from a shared cursor alongside the
/// calling thread. Unlike <c>Parallel.For</c> a dispatch allocates nothing (no closures, no tasks).
/// The caller waits only for items a helper has claimed, never for a helper to wake up: on a busy
/// machine a helper that comes late finds the work done and goes back to sleep. One dispatch runs
/// at a time; a concurrent one (optimizers stepped from two threads) runs inline instead.
/// </summary>
internal static class KernelWorkers
{
    private static readonly object Gate = new();
    // Waking is a ticket count under a monitor of our own rather than a SemaphoreSlim: its lock is
    // inflated here once, not (allocating) on some later step's first contention.
    private static readonly object WakeLock = new();
    private static int _wakeTickets;
    private static readonly List<Thread> Threads = [];

    // Completion is a count under a monitor rather than a ManualResetEventSlim, whose first blocking
    // wait allocates its lock object (an allocation inside a steady-state step).
    private static readonly object DoneLock = new();

    static KernelWorkers()
    {
        // The first wait on a monitor inflates its lock, which may allocate: do it now, not inside
        // some later step (whose allocation count is meant to be zero).
        lock (DoneLock) Monitor.Wait(DoneLock, 0);
        lock (WakeLock) Monitor.Wait(WakeLock, 0);
    }

    private static int _busy;
    private static WorkPlan? _plan;

    /// <summary>The dispatch's generation (high 32 bits) and its next unclaimed item (low 32 bits), claimed together.</summary>
    private static long _cursor;

    private static int _completed;
    private static Exception? _failure;

    /// <summary>
    /// Runs every item of <paramref name="plan"/> on up to <paramref name="threads"/> threads, the
    /// caller included; false (nothing run) when another dispatch holds the workers.
    /// </summary>
    public static bool TryRun(WorkPlan plan, int threads)
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0) return false;
        try
        {
            int helpers = Math.Min(threads, plan.ItemCount) - 1;
            EnsureThreads(helpers);
            _failure = null;
            _completed = 0;
            Volatile.Write(ref _plan, plan);
            long generation = (Volatile.Read(ref _cursor) >> 32) + 1;
            Volatile.Write(ref _cursor, generation << 32);   // publishes the plan to helpers
            if (helpers > 0)
                lock (WakeLock)
                {
                    // Tickets left over from late helpers still count.
                    if (_wakeTickets < helpers)
                    {
                        _wakeTickets = helpers;
                        Monitor.PulseAll(WakeLock);
                    }
                }
            RunItems(plan, generation);
            WaitForItems(plan.ItemCount);
            if (_failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            return true;
        }
        finally
        {
            Volatile.Write(ref _plan, null);
            plan.Release();
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Claims and runs items of generation <paramref name="generation"/> until none is left or a newer dispatch began.</summary>
    private static void RunItems(WorkPlan plan, long generation)
    {
        while (true)
        {
            long cursor = Volatile.Read(ref _cursor);
            int item = (int)cursor;
            if (cursor >> 32 != generation || item >= plan.ItemCount) return;
            if (Interlocked.CompareExchange(ref _cursor, cursor + 1, cursor) != cursor) continue;
            try
            {
                plan.RunItem(item);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            if (Interlocked.Increment(ref _completed) == plan.ItemCount)
                lock (DoneLock) Monitor.PulseAll(DoneLock);
        }
    }

    /// <summary>Spins briefly (claimed items usually finish with the caller's), then sleeps until the last item reports.</summary>
    private static void WaitForItems(int count)
    {
        var spinner = new SpinWait();
        while (Volatile.Read(ref _completed) < count && !spinner.NextSpinWillYield) spinner.SpinOnce();
        lock (DoneLock)
            while (Volatile.Read(ref _completed) < count) Monitor.Wait(DoneLock);
    }

    private static void EnsureThreads(int count)
    {
        if (Threads.Count >= count) return;
        lock (Gate)
        {
            while (Threads.Count < count)
            {
                var thread = new Thread(WorkerLoop) { IsBackground = true, Name = $"SharpOptim kernel worker {Threads.Count + 1}" };
                Threads.Add(thread);
                thread.Start();
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

    private static void WorkerLoop()
    {
        while (true)
        {
            SpinForWork();
            lock (WakeLock)
            {
                while (_wakeTickets == 0) Monitor.Wait(WakeLock);
                _wakeTickets--;
            }
            // The cursor first, then the plan: a plan read after a generation's cursor is that
            // generation's or a later one's, and a later one's fails the claim in RunItems.
            long generation = Volatile.Read(ref _cursor) >> 32;
            if (Volatile.Read(ref _plan) is { } plan) RunItems(plan, generation);
        }
    }
}
