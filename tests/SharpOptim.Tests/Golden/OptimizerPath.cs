namespace SharpOptim.Tests.Golden;

/// <summary>
/// Which of our code paths replays a recorded case: the flags our optimizer is built with. An
/// algorithm without a <c>fused</c> flag ignores <see cref="Fused"/>, so "fused" is its default
/// (foreach unset: the fused-rounding kernel).
/// </summary>
/// <param name="Name">"reference", "foreach", "default" or "fused": the name the tests' data rows carry.</param>
/// <param name="Foreach">The <c>foreach</c> flag: false for the reference path, true for the foreach kernel, null otherwise.</param>
/// <param name="Fused">The <c>fused</c> flag: true on the fused path, null otherwise.</param>
public sealed record OptimizerPath(string Name, bool? Foreach, bool? Fused)
{
    /// <summary><c>differentiable: true</c> (PyTorch's autograd-through-the-step mode).</summary>
    public bool Differentiable { get; init; }

    /// <summary><c>capturable: true</c> (CUDA-graph capture in PyTorch; a no-op on our CPU).</summary>
    public bool Capturable { get; init; }

    /// <summary><c>foreach: false</c>: the op-by-op reference path.</summary>
    public static readonly OptimizerPath Reference = new("reference", false, null);

    /// <summary><c>foreach: true</c>: the multi-tensor kernel, bit-identical to the reference.</summary>
    public static readonly OptimizerPath ForeachKernel = new("foreach", true, null);

    /// <summary>No flag set: what a user gets.</summary>
    public static readonly OptimizerPath Default = new("default", null, null);

    /// <summary><c>fused: true</c>.</summary>
    public static readonly OptimizerPath FusedKernel = new("fused", null, true);

    /// <summary>The four replay paths, in the order the conformance tests list them.</summary>
    public static readonly IReadOnlyList<OptimizerPath> All = [Reference, ForeachKernel, Default, FusedKernel];

    /// <summary>The path a data row names.</summary>
    public static OptimizerPath Named(string name)
        => All.SingleOrDefault(p => p.Name == name) ?? throw new ArgumentException($"unknown path {name}", nameof(name));
}
