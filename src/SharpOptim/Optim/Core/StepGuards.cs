namespace SharpOptim.Optim;

/// <summary>
/// The step-time refusals PyTorch's dense-only algorithms share, checked before anything changes
/// (PyTorch raises the first one after creating state for the parameters before the offending one).
/// </summary>
internal static class StepGuards
{
    /// <summary>
    /// PyTorch's <c>"{name} does not support sparse gradients"</c>, and its for-each path's refusal of
    /// <c>differentiable</c> (an explicit <c>foreach: true</c> with <c>differentiable: true</c> reaches
    /// <c>_multi_tensor_*</c>, which asserts, whenever some parameter has a gradient).
    /// </summary>
    public static void CheckDenseStep(string algorithm, ParamGroup group, IReadOnlyList<Tensor> paramsWithGrad, bool anySparse)
    {
        CheckNoSparseGrad(algorithm, anySparse);
        if (paramsWithGrad.Count > 0 && group.GetNullableBool("foreach") == true && group.GetBool("differentiable"))
            throw new InvalidOperationException("_foreach ops don't support autograd");
    }

    /// <summary>
    /// PyTorch's <c>"{name} does not support sparse gradients"</c> alone, given whether some gradient
    /// is sparse (<c>Optimizer.ParamsWithGrad</c> finds that out in its pass).
    /// </summary>
    public static void CheckNoSparseGrad(string algorithm, bool anySparse)
    {
        if (anySparse) throw new InvalidOperationException($"{algorithm} does not support sparse gradients");
    }

    /// <summary>The kernels handle float32 and float64; anything else is refused before any state changes.</summary>
    public static void CheckKernelDTypes(string algorithm, IReadOnlyList<Tensor> ps)
    {
        for (int i = 0; i < ps.Count; i++) CheckKernelDType(algorithm, ps[i]);
    }

    /// <summary>The same refusal for one parameter, for a pass that also does other work per parameter.</summary>
    public static void CheckKernelDType(string algorithm, Tensor p)
    {
        if (p.DType is not (DType.Float32 or DType.Float64))
            throw new NotSupportedException($"{algorithm} supports float32 and float64 parameters, got {p.DType.TorchName()}");
    }
}
