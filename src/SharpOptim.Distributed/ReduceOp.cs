namespace SharpOptim.Distributed;

/// <summary>The reductions of <c>torch.distributed.ReduceOp</c> that MPI provides (and <see cref="Avg"/>, a sum divided by the world size).</summary>
public enum ReduceOp
{
    Sum,
    Product,
    Min,
    Max,

    /// <summary>The mean over ranks: an MPI sum, then a division by the world size (floating-point tensors only).</summary>
    Avg,
}
