namespace SharpOptim.Distributed;

/// <summary>The reductions of <c>torch.distributed.ReduceOp</c> that MPI provides (and <see cref="Avg"/>, a sum divided by the world size).</summary>
public enum ReduceOp
{
    /// <summary>The element-wise sum over ranks (<c>ReduceOp.SUM</c>, MPI_SUM), e.g. of gradients.</summary>
    Sum,
    /// <summary>The element-wise product over ranks (<c>ReduceOp.PRODUCT</c>, MPI_PROD).</summary>
    Product,
    /// <summary>The element-wise minimum over ranks (<c>ReduceOp.MIN</c>, MPI_MIN).</summary>
    Min,
    /// <summary>The element-wise maximum over ranks (<c>ReduceOp.MAX</c>, MPI_MAX), e.g. to agree on a flag.</summary>
    Max,

    /// <summary>The mean over ranks: an MPI sum, then a division by the world size (floating-point tensors only).</summary>
    Avg,
}
