namespace SharpOptim.Distributed;

/// <summary>
/// A rank that dies must not leave the others waiting in a collective forever. Once the group is
/// initialized, an unhandled exception on any thread prints the rank and the exception to
/// standard error and calls <c>MPI_Abort</c>, which makes the launcher end every rank with a
/// non-zero exit code. <see cref="Abort"/> does the same for an exception a program catches itself.
/// A rank that leaves early without an exception cannot be told from a slow one: bound those runs
/// with the launcher's timeout (MPICH: <c>MPIEXEC_TIMEOUT=seconds</c>; Open MPI: <c>--timeout</c>).
/// </summary>
public static class FailureHandling
{
    private static int _installed;

    internal static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        AppDomain.CurrentDomain.UnhandledException += (_, e) => Abort(e.ExceptionObject as Exception);
    }

    /// <summary>Reports <paramref name="error"/> as this rank's failure and ends every rank (MPI_Abort with code 1). Does not return.</summary>
    public static void Abort(Exception? error)
    {
        int rank = Dist.IsInitialized ? Dist.GetRank() : -1;
        try
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"[rank {rank}] aborting every rank: {error}");
            Console.Error.Flush();
            // The launcher forwards each rank's output asynchronously and stops forwarding when it
            // tears the job down: give it a moment to pass the message on first.
            Thread.Sleep(500);
        }
        finally
        {
            Mpi.Mpi.Abort(1);
            Environment.Exit(1);
        }
    }
}
