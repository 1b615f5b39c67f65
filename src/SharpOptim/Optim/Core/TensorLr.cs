using SharpOptim.Autograd;

namespace SharpOptim.Optim;

/// <summary>
/// How the algorithms that hand lr to an in-place op as a Python number (<c>alpha=</c>,
/// <c>value=</c>, <c>fill_value=</c>) treat a tensor lr, as PyTorch does.
/// </summary>
internal static class TensorLr
{
    /// <summary>
    /// PyTorch converts a tensor lr to a number for the update. A tensor that requires grad
    /// cannot be converted: with the step recorded (differentiable) PyTorch raises
    /// <c>TypeError: {op}(): argument {argument} must be Number, not Tensor</c> (argument as PyTorch names it, quoted). Checked before
    /// the step changes anything (PyTorch raises midway, after counting the step).
    /// </summary>
    public static void RefuseRecordedRequiresGrad(ParamGroup group, string op, string argument)
    {
        if (GradMode.IsEnabled) RefuseRequiresGrad(group, op, argument);
    }

    /// <summary>As <see cref="RefuseRecordedRequiresGrad"/>, whether or not the step is recorded.</summary>
    public static void RefuseRequiresGrad(ParamGroup group, string op, string argument)
    {
        if (group.Peek("lr") is Tensor { RequiresGrad: true })
            throw new ArgumentException($"{op}(): argument {argument} must be Number, not Tensor", "lr");
    }
}
