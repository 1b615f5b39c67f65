using System.Reflection;
using System.Runtime.InteropServices;

namespace SharpOptim.Distributed.Mpi;

/// <summary>
/// Finds the MPI library at run time, so one build serves MPICH and Open MPI: the path in
/// <c>SHARPOPTIM_MPI_LIBRARY</c> if set, else the first of the usual sonames that loads.
/// </summary>
internal static class MpiLibrary
{
    /// <summary>MPICH (and its derivatives: Intel MPI, Cray MPICH) first, then Open MPI 3 to 5.</summary>
    private static readonly string[] MpichFirst = ["libmpich.so.12", "libmpi.so.12", "libmpi.so.40", "libmpi.so.20", "libmpi.dylib", "libmpich.dylib"];

    /// <summary>Under Open MPI's launcher (both may be installed), its own library first.</summary>
    private static readonly string[] OpenMpiFirst = ["libmpi.so.40", "libmpi.so.20", "libmpich.so.12", "libmpi.so.12", "libmpi.dylib", "libmpich.dylib"];

    private static string[] Candidates => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null ? OpenMpiFirst : MpichFirst;

    private static readonly object Gate = new();
    private static nint _handle;
    private static bool _resolverSet;

    /// <summary>The loaded library's handle; loads it on first use.</summary>
    public static nint Handle
    {
        get
        {
            lock (Gate)
            {
                if (_handle != 0) return _handle;
                _handle = Load();
                if (!_resolverSet)
                {
                    NativeLibrary.SetDllImportResolver(typeof(MpiLibrary).Assembly, Resolve);
                    _resolverSet = true;
                }
                return _handle;
            }
        }
    }

    /// <summary>The file that was loaded (for messages and the bench report).</summary>
    public static string LoadedName { get; private set; } = "";

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path)
        => name == MpiNative.Lib ? Handle : 0;

    private static nint Load()
    {
        string? explicitPath = Environment.GetEnvironmentVariable("SHARPOPTIM_MPI_LIBRARY");
        if (!string.IsNullOrEmpty(explicitPath))
        {
            if (NativeLibrary.TryLoad(explicitPath, out var h)) { LoadedName = explicitPath; return h; }
            throw new DllNotFoundException($"SHARPOPTIM_MPI_LIBRARY names '{explicitPath}', which could not be loaded");
        }
        foreach (var candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var h)) { LoadedName = candidate; return h; }
        }
        throw new DllNotFoundException(
            "no MPI library found (tried " + string.Join(", ", Candidates) + "). Install one, e.g. "
            + "'apt-get install mpich' (Debian/Ubuntu) or 'apt-get install openmpi-bin', or set SHARPOPTIM_MPI_LIBRARY to its path.");
    }

    /// <summary>The address of an exported symbol, or 0.</summary>
    public static nint Export(string symbol) => NativeLibrary.TryGetExport(Handle, symbol, out var address) ? address : 0;
}
