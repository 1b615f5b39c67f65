namespace SharpOptim.Autograd;

/// <summary>
/// Runs post-accumulate-grad hooks during one backward pass. A leaf can be reached by several
/// edges (a parameter used twice); PyTorch sums them in one AccumulateGrad node and runs the hooks
/// once, after it. Here each edge accumulates on its own, so the hooks run when the leaf's last
/// edge in this pass has been handled. Built only when some tensor has a hook, so a backward
/// without hooks does no extra work.
/// </summary>
internal sealed class LeafHooks
{
    /// <summary>How many hooks are registered on any tensor (a backward skips all of this while it is 0).</summary>
    internal static int Registered;

    private readonly Dictionary<Tensor, int> _edgesLeft = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Tensor> _accumulated = new(ReferenceEqualityComparer.Instance);

    /// <summary>The tracker for a pass over <paramref name="order"/>, or null when no leaf in it has a hook.</summary>
    public static LeafHooks? For(List<Node> order)
    {
        if (Volatile.Read(ref Registered) == 0) return null;
        LeafHooks? tracker = null;
        foreach (var node in order)
            foreach (var edge in node.Edges)
            {
                if (edge.Leaf is not { } leaf || leaf.PostAccumulateGradHooks.Length == 0) continue;
                tracker ??= new LeafHooks();
                tracker._edgesLeft[leaf] = tracker._edgesLeft.GetValueOrDefault(leaf) + 1;
            }
        return tracker;
    }

    /// <summary>One edge into <paramref name="leaf"/> was handled; <paramref name="accumulated"/> when it carried a gradient.</summary>
    public void EdgeDone(Tensor leaf, bool accumulated)
    {
        if (!_edgesLeft.TryGetValue(leaf, out int left)) return;
        if (accumulated) _accumulated.Add(leaf);
        if (left > 1)
        {
            _edgesLeft[leaf] = left - 1;
            return;
        }
        _edgesLeft.Remove(leaf);
        if (_accumulated.Contains(leaf)) Run(leaf);
    }

    /// <summary>A node the pass skips (no gradient reached it): its edges carry nothing.</summary>
    public void NodeSkipped(Node node)
    {
        foreach (var edge in node.Edges)
            if (edge.Leaf is { } leaf) EdgeDone(leaf, false);
    }

    /// <summary>Runs <paramref name="leaf"/>'s hooks (the snapshot taken now, so a hook may remove itself).</summary>
    public static void Run(Tensor leaf)
    {
        foreach (var hook in leaf.PostAccumulateGradHooks) hook(leaf);
    }
}
