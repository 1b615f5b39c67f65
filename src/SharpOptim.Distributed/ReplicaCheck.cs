namespace SharpOptim.Distributed;

/// <summary>
/// PyTorch's <c>_verify_param_shape_across_processes</c>: every rank must wrap the same model.
/// Each rank's parameter count and shapes are gathered to all ranks, so every rank sees the
/// same mismatch and fails with the same message instead of hanging in a later collective.
/// </summary>
internal static class ReplicaCheck
{
    public static void VerifySameShapes(IReadOnlyList<(string Name, NN.Parameter Param)> named)
    {
        int size = Dist.GetWorldSize();
        var counts = Torch.Zeros([size], DType.Int64);
        var signature = Signature(named);
        counts.AsSpan<long>()[Dist.GetRank()] = signature.Length;
        Dist.AllGatherIntoTensor(counts, counts.Narrow(0, Dist.GetRank(), 1));
        var c = counts.AsSpan<long>();
        for (int r = 1; r < size; r++)
        {
            if (c[r] == c[0]) continue;
            throw new InvalidOperationException(
                $"DDP expects same model across all ranks, but rank 0 has {named.Count} params described by {c[0]} numbers while rank {r} has {c[r]}: " +
                $"the parameter count or the number of dimensions differ (this rank's parameters: {Describe(named)})");
        }
        var all = Torch.Zeros([size * signature.Length], DType.Int64);
        Dist.AllGatherIntoTensor(all, Torch.Tensor(signature));
        var s = all.AsSpan<long>();
        for (int r = 1; r < size; r++)
        {
            int at = 0;
            for (int i = 0; i < named.Count; i++)
            {
                int dims = (int)s[at + 1];
                var mine = s.Slice(at, dims + 2);
                var theirs = s.Slice(r * signature.Length + at, dims + 2);
                if (!mine.SequenceEqual(theirs))
                    throw new InvalidOperationException(
                        $"DDP expects same model across all ranks, but parameter {i} ({named[i].Name}) has dtype/shape {Format(mine)} on rank 0 and {Format(theirs)} on rank {r}.");
                at += dims + 2;
            }
        }
    }

    /// <summary>Per parameter: dtype, number of dimensions, then the sizes.</summary>
    private static long[] Signature(IReadOnlyList<(string Name, NN.Parameter Param)> named)
    {
        var list = new List<long>();
        foreach (var (_, p) in named)
        {
            list.Add((long)p.DType);
            list.Add(p.Dim);
            foreach (int d in p.Shape) list.Add(d);
        }
        return [.. list];
    }

    private static string Format(ReadOnlySpan<long> entry)
        => $"{((DType)entry[0]).ToString().ToLowerInvariant()} [{string.Join(", ", entry[2..].ToArray())}]";

    private static string Describe(IReadOnlyList<(string Name, NN.Parameter Param)> named)
        => string.Join(", ", named.Select(n => $"{n.Name} [{string.Join(", ", n.Param.Shape)}]"));
}
