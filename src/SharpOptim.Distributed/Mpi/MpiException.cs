namespace SharpOptim.Distributed.Mpi;

/// <summary>An MPI call returned an error code (only seen when the communicator's error handler returns instead of aborting).</summary>
public sealed class MpiException(string function, int code, string text)
    : InvalidOperationException($"{function} failed with MPI error {code}: {text}");
