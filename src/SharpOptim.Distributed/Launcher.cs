namespace SharpOptim.Distributed;

/// <summary>What the MPI launcher tells a rank through its environment.</summary>
internal static class Launcher
{
    /// <summary>Set by MPICH's Hydra (PMI_*), Open MPI (OMPI_*, PMIX_*) and Slurm's srun.</summary>
    private static readonly string[] RankVariables = ["PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "SLURM_PROCID"];

    public static bool IsPresent()
    {
        foreach (var name in RankVariables)
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) return true;
        return false;
    }

    /// <summary>The ranks on this machine (Hydra's MPI_LOCALNRANKS, Open MPI's local size), else the world size.</summary>
    public static int LocalRanks(int worldSize)
    {
        foreach (var name in new[] { "MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE" })
            if (int.TryParse(Environment.GetEnvironmentVariable(name), out int n) && n > 0) return n;
        return Math.Max(1, worldSize);
    }
}
