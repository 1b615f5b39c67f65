namespace SharpOptim.Distributed;

/// <summary>
/// PyTorch ZeroRedundancyOptimizer's partition: group by group, the parameters sorted by size
/// (largest first, ties in group order), each given to the rank with the fewest elements so far
/// (the lowest such rank), the running sizes carried over from group to group.
/// </summary>
internal static class ParameterPartition
{
    /// <summary>[rank][group] → that rank's parameters of the group, in the order they were assigned.</summary>
    public static List<Tensor>[][] SortedGreedy(IReadOnlyList<IReadOnlyList<Tensor>> groups, int worldSize)
    {
        var result = new List<Tensor>[worldSize][];
        for (int r = 0; r < worldSize; r++)
        {
            result[r] = new List<Tensor>[groups.Count];
            for (int g = 0; g < groups.Count; g++) result[r][g] = [];
        }
        var sizes = new long[worldSize];
        for (int g = 0; g < groups.Count; g++)
        {
            foreach (var p in groups[g].OrderByDescending(p => p.Numel))   // a stable sort, as Python's sorted
            {
                int rank = 0;
                for (int r = 1; r < worldSize; r++)
                    if (sizes[r] < sizes[rank]) rank = r;
                result[rank][g].Add(p);
                sizes[rank] += p.Numel;
            }
        }
        return result;
    }
}
