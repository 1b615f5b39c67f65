namespace SharpOptim;

public static partial class Torch
{
    private static int _numThreads = Environment.ProcessorCount;

    /// <summary>Threads the optimizer kernels may use at once (PyTorch's <c>torch.get_num_threads()</c>); the machine's cores by default.</summary>
    public static int GetNumThreads() => _numThreads;

    /// <summary>Sets the threads the optimizer kernels may use (PyTorch's <c>torch.set_num_threads</c>); 1 runs everything on the calling thread.</summary>
    public static void SetNumThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _numThreads = threads;
    }
}
