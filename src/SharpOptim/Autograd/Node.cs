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
    /// <summary>PyTorch's message for a backward that reaches a node whose saved values were freed.</summary>
    internal const string SecondBackwardMessage =
        "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). " +
        "Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True " +
        "if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.";

    // Null once the saved values were released: the closure is what holds them.
    private Func<Tensor, Tensor?[]>? _backward;

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

    /// <summary>
    /// True when the backward reads values saved in the forward (tensors, or what PyTorch saves as
    /// tensors: a wrapped number operand, indices). Such a node frees them after its backward ran,
    /// and cannot run again; a node that saved nothing (a sum, an add, a view) can, as in PyTorch.
    /// </summary>
    internal bool SavesValues { get; set; }

    /// <summary>True once the saved values were freed by a backward without <c>retainGraph</c>.</summary>
    internal bool IsReleased => SavesValues && _backward is null;

    internal Tensor?[] Apply(Tensor gradOutput)
    {
        if (_backward is null) throw new InvalidOperationException(SecondBackwardMessage);
        CheckSavedVersions();
        return _backward(gradOutput);
    }

    /// <summary>Drops the saved values (the closure over them), so that their memory can be reclaimed; nodes that saved nothing are kept runnable.</summary>
    internal void ReleaseSavedValues()
    {
        if (!SavesValues) return;
        _backward = null;
        Saved = null;
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

    /// <summary>The node's PyTorch name in angle brackets, e.g. <c>&lt;AddBackward0&gt;</c>, as <c>grad_fn</c> prints in PyTorch (without the object address).</summary>
    public override string ToString() => $"<{Name}>";
}
