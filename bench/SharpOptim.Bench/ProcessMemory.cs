namespace SharpOptim.Bench;

/// <summary>
/// This process's resident memory from Linux's /proc/self/status, and its peak (VmHWM), which
/// writing 5 to /proc/self/clear_refs resets: so the peak of one operation can be read. The same
/// figures as bench/torch_checkpoint.py reads for PyTorch.
/// </summary>
public static class ProcessMemory
{
    public static long ResidentBytes() => StatusKib("VmRSS") * 1024;

    public static long PeakResidentBytes() => StatusKib("VmHWM") * 1024;

    /// <summary>Starts a new peak from the present resident size; false where the kernel does not allow it (then no peak can be measured).</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long StatusKib(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(field.Length + 1).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        throw new InvalidDataException($"/proc/self/status has no {field} line");
    }
}
