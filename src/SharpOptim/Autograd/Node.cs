namespace SharpOptim.Autograd;

/// <summary>
/// Where a gradient flows to from a node input: either the node that produced that input, or a
/// leaf tensor that accumulates it. Captured when the operation runs, so later in-place changes
/// to the input's own history do not rewire the graph (PyTorch's edges work the same way).
/// </summary>
internal readonly record struct Edge(Node? Function, Tensor? Leaf)
{
    public bool IsValid => Function is not null || Leaf is not null;

    public static Edge To(Tensor? t)
    {
        if (t is null) return default;
        if (t.GradFn is not null) return new Edge(t.GradFn, null);
        return t.RequiresGrad ? new Edge(null, t) : default;
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

    internal Tensor?[] Apply(Tensor gradOutput) => _backward(gradOutput);

    public override string ToString() => $"<{Name}>";
}
