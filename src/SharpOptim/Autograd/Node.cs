using System.Runtime.CompilerServices;

namespace SharpOptim.Autograd;

/// <summary>
/// Where a gradient flows to from a node input: either the node that produced that input, or a
/// leaf tensor that accumulates it. Captured when the operation runs, so later in-place changes
/// to the input's own history do not rewire the graph (PyTorch's edges work the same way).
/// <see cref="DType"/> is the input's dtype: a gradient is cast to it before it flows on, as
/// PyTorch's engine does (a float32 op with a float64 0-d operand yields a float32 gradient).
/// </summary>
internal readonly record struct Edge(Node? Function, Tensor? Leaf, DType DType)
{
    public bool IsValid => Function is not null || Leaf is not null;

    public static Edge To(Tensor? t)
    {
        if (t is null) return default;
        if (t.GradFn is not null) return new Edge(t.GradFn, null, t.DType);
        return t.RequiresGrad ? new Edge(null, t, t.DType) : default;
    }
}

/// <summary>
/// One recorded operation in the autograd graph (PyTorch's <c>grad_fn</c>). Its backward maps the
/// gradient of the output to one gradient per input (null where an input needs none).
/// </summary>
public sealed class Node
{
    private readonly Func<Tensor, Tensor?[]> _backward;

    internal Node(string name, Edge[] edges, Func<Tensor, Tensor?[]> backward)
    {
        Name = name;
        Edges = edges;
        _backward = backward;
    }

    /// <summary>PyTorch-style name, e.g. <c>MulBackward0</c>.</summary>
    public string Name { get; }

    internal Edge[] Edges { get; }

    /// <summary>Tensors that asked to keep their gradient (see <see cref="Tensor.RetainGrad"/>).</summary>
    internal List<WeakReference<Tensor>>? RetainedOutputs { get; set; }

    /// <summary>The tensors this node's backward reads, with their storage versions when it was recorded.</summary>
    internal (Tensor Tensor, int Version)[]? Saved { get; set; }

    /// <summary>
    /// Set by ops whose backward returns, for each input, a newly allocated gradient that nothing
    /// else references. The engine may then make such a gradient a leaf's <c>.grad</c> without
    /// copying it, as PyTorch's AccumulateGrad takes over a gradient no one else holds.
    /// </summary>
    internal bool ReturnsFreshGradients { get; set; }

    internal Tensor?[] Apply(Tensor gradOutput)
    {
        CheckSavedVersions();
        return _backward(gradOutput);
    }

    /// <summary>Refuses to run backward on values overwritten in place since they were saved, as PyTorch does.</summary>
    private void CheckSavedVersions()
    {
        if (Saved is null) return;
        foreach (var (t, version) in Saved)
            if (t.Storage.Version != version) ThrowModified(t, version);
    }

    // Kept out of CheckSavedVersions, which runs on every backward, so that its message formatting is not compiled with it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowModified(Tensor t, int version)
    {
        var type = t.DType switch
        {
            DType.Float32 => "FloatTensor",
            DType.Float64 => "DoubleTensor",
            DType.Int64 => "LongTensor",
            _ => "BoolTensor",
        };
        throw new InvalidOperationException(
            $"one of the variables needed for gradient computation has been modified by an inplace operation: " +
            $"[torch.{type} {ShapeUtil.Format(t.ShapeRef)}], which is needed by {Name}, is at version {t.Storage.Version}; " +
            $"expected version {version} instead.");
    }

    public override string ToString() => $"<{Name}>";
}
