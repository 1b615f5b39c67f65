namespace SharpOptim.Optim;

/// <summary>
/// Which of an optimizer's implementations a caller asks for, as the constructor flags
/// <c>foreach</c>, <c>fused</c> and <c>differentiable</c> select it
/// (<see cref="OptimizerInfo.FlagsFor"/> gives the flags). <see cref="StepImplementation"/> is what
/// a step then runs, once sparse gradients and repeated parameters have had their say.
/// </summary>
public enum ImplementationChoice
{
    /// <summary>No flag given: the fastest path that serves the group (PyTorch's default).</summary>
    Default,

    /// <summary><c>foreach: false</c>: per-parameter tensor ops in PyTorch's order (PyTorch's for-loop).</summary>
    Reference,

    /// <summary><c>foreach: true</c>: the kernel, rounding exactly as the reference.</summary>
    ForEach,

    /// <summary><c>fused: true</c>: the kernel with fused multiply-adds.</summary>
    Fused,

    /// <summary><c>differentiable: true</c>: the reference path, recorded by autograd.</summary>
    Differentiable,
}
