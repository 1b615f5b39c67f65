using System.Runtime.InteropServices;

namespace SharpOptim.Distributed;

/// <summary>
/// glibc serves every allocation above its mmap threshold (dynamic, at most 32 MiB by default)
/// with a fresh mmap and unmaps it on free, so an MPI library that allocates a temporary buffer
/// per large collective pays a page fault for every page it touches, on every call: on the
/// development VM touching 64 MiB of fresh pages took 270–400 ms, of reused heap 0.2 ms
/// (docs/benchmarks-distributed.md). Raising <c>M_MMAP_THRESHOLD</c> to 1 GiB and
/// <c>M_TRIM_THRESHOLD</c> to 2 GiB keeps those buffers in the heap, at the price of not
/// returning freed memory to the system while the process runs.
/// <para>Applied by <see cref="Dist.InitProcessGroup"/> through <c>mallopt</c>, unless the
/// environment already sets <c>MALLOC_MMAP_THRESHOLD_</c> or <c>MALLOC_TRIM_THRESHOLD_</c>
/// (glibc has then read them) or <c>SHARPOPTIM_MALLOC_TUNING=0</c> turns it off. Not glibc: nothing.</para>
/// </summary>
public static partial class MallocTuning
{
    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;

    /// <summary>Allocations below this many bytes come from the heap (glibc 2.36 accepts values above its 32 MiB default maximum).</summary>
    public const int MmapThreshold = 1 << 30;

    /// <summary>Trim only when this much (bytes) is free at the top of the heap.</summary>
    public const int TrimThreshold = int.MaxValue;

    /// <summary>Whether <see cref="Apply"/> changed the thresholds in this process.</summary>
    public static bool Applied { get; private set; }

    /// <summary>Raises the thresholds, unless turned off or set by the environment (see the class).</summary>
    public static void Apply()
    {
        if (Applied || !OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable("SHARPOPTIM_MALLOC_TUNING") == "0") return;
        if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null
            || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null) return;
        try
        {
            Applied = Mallopt(MMmapThreshold, MmapThreshold) == 1 & Mallopt(MTrimThreshold, TrimThreshold) == 1;
        }
        catch (EntryPointNotFoundException) { }   // musl and others: no mallopt
        catch (DllNotFoundException) { }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);
}
