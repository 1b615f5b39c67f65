using System.Runtime.InteropServices;

namespace SharpOptim.Distributed;

/// <summary>
/// glibc returns every freed block above its mmap threshold (at most 32 MiB by default) to the
/// kernel, so an MPI library that allocates a temporary buffer per large collective pays a page
/// fault for every page it touches, each call: on the development VM an all-reduce of 64 MiB and
/// more was many times slower (docs/benchmarks.md, distributed section). Raising
/// <c>M_MMAP_THRESHOLD</c> and <c>M_TRIM_THRESHOLD</c> keeps those buffers in the heap.
/// <para>Applied by <see cref="Dist.InitProcessGroup"/> through <c>mallopt</c>, unless the
/// environment already sets <c>MALLOC_MMAP_THRESHOLD_</c> or <c>MALLOC_TRIM_THRESHOLD_</c>
/// (glibc has then read them) or <c>SHARPOPTIM_MALLOC_TUNING=0</c> turns it off. Not glibc: nothing.</para>
/// </summary>
public static partial class MallocTuning
{
    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;

    /// <summary>The thresholds set (bytes): glibc refuses an mmap threshold above 32 MiB on 64-bit systems (HEAP_MAX_SIZE / 2).</summary>
    public const int MmapThreshold = 32 << 20;

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
