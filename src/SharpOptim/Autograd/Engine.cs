namespace SharpOptim.Autograd;

/// <summary>The backward pass: visits the graph below a root in reverse topological order.</summary>
internal static class Engine
{
    /// <summary>
    /// Runs backpropagation from <paramref name="root"/>. Unless <paramref name="retainGraph"/>,
    /// every node that saved values frees them once its backward ran, and a later backward that
    /// reaches such a node is refused before it changes any gradient.
    /// </summary>
    public static void Backward(Tensor root, Tensor? gradient, bool retainGraph = false)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException("element 0 of tensors does not require grad and does not have a grad_fn");
        if (gradient is null)
        {
            if (root.Numel != 1)
                throw new InvalidOperationException("grad can be implicitly created only for scalar outputs");
            gradient = Torch.OnesLike(root);
        }
        else if (!ShapeUtil.SameShape(gradient.ShapeRef, root.ShapeRef))
            throw new ArgumentException($"Mismatch in shape: grad_output has a shape of {ShapeUtil.Format(gradient.ShapeRef)} and output has a shape of {ShapeUtil.Format(root.ShapeRef)}");

        using var _ = new GradModeScope(false);
        if (root.GradFn is null)
        {
            AccumulateIntoLeaf(root, gradient);
            if (root.PostAccumulateGradHooks.Length > 0) LeafHooks.Run(root);
            return;
        }

        var order = TopologicalOrder(root.GradFn);
        foreach (var node in order)
            if (node.IsReleased) throw new InvalidOperationException(Node.SecondBackwardMessage);
        var pending = new Dictionary<Node, Tensor> { [root.GradFn] = gradient };
        var leafHooks = LeafHooks.For(order);
        foreach (var node in order)
        {
            if (!pending.Remove(node, out var gradOut))
            {
                leafHooks?.NodeSkipped(node);
                continue;
            }
            RetainOutputs(node, gradOut);
            var gradIns = node.Apply(gradOut);
            if (!retainGraph) node.ReleaseSavedValues();
            for (int i = 0; i < node.Edges.Length; i++)
            {
                var edge = node.Edges[i];
                var g = i < gradIns.Length ? gradIns[i] : null;
                if (!edge.IsValid || g is null)
                {
                    if (edge.Leaf is not null) leafHooks?.EdgeDone(edge.Leaf, false);
                    continue;
                }
                bool fresh = node.ReturnsFreshGradients;
                if (!g.IsSparse && g.DType != edge.DType)
                {
                    g = g.To(edge.DType);
                    fresh = true;
                }
                if (edge.Leaf is not null)
                {
                    AccumulateIntoLeaf(edge.Leaf, g, fresh);
                    leafHooks?.EdgeDone(edge.Leaf, true);
                }
                else if (pending.TryGetValue(edge.Function!, out var existing)) pending[edge.Function!] = Sum(existing, g);
                else pending[edge.Function!] = g;
            }
        }
    }

    private static void RetainOutputs(Node node, Tensor grad)
    {
        if (node.RetainedOutputs is null) return;
        foreach (var weak in node.RetainedOutputs)
        {
            if (weak.TryGetTarget(out var t) && ReferenceEquals(t.GradFn, node))
                t.Grad = t.Grad is null ? grad.Clone() : t.Grad.Add(grad);
        }
    }

    private static Tensor Sum(Tensor a, Tensor b)
    {
        if (a.IsSparse && b.IsSparse) return a.Add(b);
        if (a.IsSparse) return b.Add(a);
        return a.Add(b);
    }

    /// <summary>
    /// Adds a gradient into a leaf's <c>.grad</c>, in place when one exists (as PyTorch's
    /// AccumulateGrad). A first gradient is copied, unless <paramref name="owned"/> says no one
    /// else holds it (a dense gradient just made by a node's backward), when it is taken as it is.
    /// </summary>
    internal static void AccumulateIntoLeaf(Tensor leaf, Tensor grad, bool owned = false)
    {
        if (leaf.Grad is null)
        {
            leaf.Grad = owned && !grad.IsSparse && grad.IsLeaf && grad.ViewBase is null ? grad : grad.Clone();
            return;
        }
        if (leaf.Grad.IsSparse && !grad.IsSparse) leaf.Grad = grad.Add(leaf.Grad);
        else if (leaf.Grad.IsSparse) leaf.Grad = leaf.Grad.Add(grad);
        else leaf.Grad.Add_(grad);
    }

    /// <summary>Nodes reachable from <paramref name="root"/>, every node before the nodes it feeds into.</summary>
    private static List<Node> TopologicalOrder(Node root)
    {
        var visited = new HashSet<Node>();
        var postOrder = new List<Node>();
        var stack = new Stack<(Node node, int nextEdge)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node.Edges.Length)
            {
                stack.Push((node, next + 1));
                var child = node.Edges[next].Function;
                if (child is not null && visited.Add(child)) stack.Push((child, 0));
            }
            else postOrder.Add(node);
        }
        postOrder.Reverse();
        return postOrder;
    }
}

/// <summary>Records operations into the graph.</summary>
internal static class Graph
{
    /// <summary>True when an op over these inputs must be recorded.</summary>
    public static bool NeedsGrad(Tensor a) => GradMode.IsEnabled && a.RequiresGrad;

    public static bool NeedsGrad(Tensor a, Tensor? b) => GradMode.IsEnabled && (a.RequiresGrad || (b?.RequiresGrad ?? false));

    public static bool NeedsGrad(Tensor a, Tensor? b, Tensor? c)
        => GradMode.IsEnabled && (a.RequiresGrad || (b?.RequiresGrad ?? false) || (c?.RequiresGrad ?? false));

    /// <summary>Makes <paramref name="result"/> the output of a new node over <paramref name="inputs"/>.</summary>
    public static Tensor Record(Tensor result, string name, Func<Tensor, Tensor?[]> backward, params Tensor?[] inputs)
    {
        var edges = new Edge[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) edges[i] = Edge.To(inputs[i]);
        result.GradFn = new Node(name, edges, backward);
        return result;
    }

    /// <summary>
    /// As <see cref="Record"/>, noting the storage versions of the tensors whose values the
    /// backward reads, so that an in-place change to any of them before backward is an error
    /// instead of a silently wrong gradient.
    /// </summary>
    public static Tensor RecordSaving(Tensor result, string name, Tensor?[] saved, Func<Tensor, Tensor?[]> backward, params Tensor?[] inputs)
    {
        Record(result, name, backward, inputs);
        int count = 0;
        foreach (var t in saved) if (t is not null) count++;
        var versions = new (Tensor, int)[count];
        count = 0;
        foreach (var t in saved) if (t is not null) versions[count++] = (t, t.Storage.Version);
        result.GradFn!.Saved = versions;
        result.GradFn.SavesValues = count > 0;
        return result;
    }

    /// <summary>
    /// Notes that the node that made <paramref name="result"/> saved values that are not tensors
    /// here but are in PyTorch (a number operand, which PyTorch wraps in a tensor; indices), so
    /// that its backward, like PyTorch's, runs only once unless the graph is retained.
    /// </summary>
    public static Tensor MarkSavesValues(Tensor result)
    {
        result.GradFn!.SavesValues = true;
        return result;
    }

    /// <summary>
    /// Notes that the backward of the node that made <paramref name="result"/> returns a new
    /// tensor for each input, referenced nowhere else (see <see cref="Node.ReturnsFreshGradients"/>).
    /// </summary>
    public static Tensor MarkFreshGradients(Tensor result)
    {
        result.GradFn!.ReturnsFreshGradients = true;
        return result;
    }
}
