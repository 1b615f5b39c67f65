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
/// that sleep until a dispatch hands them a plan, then take items from a shared counter alongside
/// the calling thread. Unlike <c>Parallel.For</c> a dispatch allocates nothing (no closures, no
/// tasks), and it is cheap enough to pay off from about a hundred thousand elements. One dispatch
/// runs at a time; a concurrent one (optimizers stepped from two threads) runs inline instead.
/// </summary>
internal static class KernelWorkers
{
    private static readonly object Gate = new();
    private static readonly SemaphoreSlim Start = new(0);
    // Completion is a flag under a monitor rather than a ManualResetEventSlim, whose first blocking
    // wait allocates its lock object (an allocation inside a steady-state step).
    private static readonly object DoneLock = new();
    private static bool _done;
    private static readonly List<Thread> Threads = [];

    private static int _busy;
    private static WorkPlan? _plan;
    private static int _nextItem;
    private static int _helpersLeft;
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
            _plan = plan;
            _nextItem = 0;
            _failure = null;
            _helpersLeft = helpers;
            _done = helpers == 0;
            if (helpers > 0) Start.Release(helpers);
            RunItems(plan);
            WaitForHelpers();
            if (_failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            return true;
        }
        finally
        {
            _plan = null;
            plan.Release();
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Takes items until none is left; the first failure stops the others from taking more.</summary>
    private static void RunItems(WorkPlan plan)
    {
        try
        {
            int item;
            while ((item = Interlocked.Increment(ref _nextItem) - 1) < plan.ItemCount)
                plan.RunItem(item);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            Volatile.Write(ref _nextItem, int.MaxValue / 2);
        }
    }

    /// <summary>Spins briefly (helpers usually finish with the caller), then sleeps until the last one reports.</summary>
    private static void WaitForHelpers()
    {
        var spinner = new SpinWait();
        while (!Volatile.Read(ref _done) && !spinner.NextSpinWillYield) spinner.SpinOnce();
        lock (DoneLock)
            while (!_done) Monitor.Wait(DoneLock);
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

    private static void WorkerLoop()
    {
        while (true)
        {
            Start.Wait();
            RunItems(_plan!);
            if (Interlocked.Decrement(ref _helpersLeft) == 0)
                lock (DoneLock)
                {
                    _done = true;
                    Monitor.PulseAll(DoneLock);
                }
        }
    }
}
