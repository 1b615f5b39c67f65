namespace SharpOptim.NN;

/// <summary>Gradient clipping and flat parameter vectors, as <c>torch.nn.utils</c>.</summary>
public static class Utils
{
    /// <summary>
    /// The p-norm of all gradients taken together (the norm of the per-tensor norms), as
    /// <c>torch.nn.utils.get_total_norm</c>. A float32 0-d zero when the list is empty. Sparse
    /// tensors count their (coalesced) values.
    /// </summary>
    /// <exception cref="InvalidOperationException">With <paramref name="errorIfNonfinite"/>, when the norm is NaN or infinite.</exception>
    public static Tensor GetTotalNorm(IEnumerable<Tensor> tensors, double normType = 2, bool errorIfNonfinite = false)
    {
        var list = tensors.ToList();
        if (list.Count == 0) return Torch.Scalar(0.0, DType.Float32);
        using var _ = Torch.NoGrad();
        var norms = list.Select(t => (t.IsSparse ? t.Coalesce().Values() : t).Norm(normType)).ToList();
        // torch.stack promotes mixed float32/float64 norms to float64.
        var dtype = norms.Any(n => n.DType == DType.Float64) ? DType.Float64 : norms[0].DType;
        var total = Torch.Stack(norms.Select(n => n.To(dtype)).ToList()).Norm(normType);
        if (errorIfNonfinite && !double.IsFinite(total.Item()))
            throw new InvalidOperationException(
                $"The total norm of order {PyRepr.Float(normType)} for gradients from `parameters` is non-finite, so it cannot be clipped. " +
                "To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`");
        return total;
    }

    /// <summary>
    /// Scales every gradient in place by <c>min(max_norm / (total_norm + 1e-6), 1)</c>, as
    /// <c>torch.nn.utils.clip_grads_with_norm_</c>. The coefficient is computed in the norm's
    /// dtype the way PyTorch evaluates <c>max_norm / (total_norm + 1e-6)</c> (a reciprocal, then
    /// a product), and applied even when it is 1.
    /// </summary>
    public static void ClipGradsWithNorm_(IEnumerable<Tensor> parameters, double maxNorm, Tensor totalNorm)
    {
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return;
        using var _ = Torch.NoGrad();
        var coef = totalNorm.Add(1e-6).Reciprocal().Mul(maxNorm).Clamp(max: 1.0);
        foreach (var g in grads)
        {
            if (g.IsSparse) g.Mul_(coef.To(g.DType).Item());
            else g.Mul_(coef);
        }
    }

    /// <summary>
    /// Rescales the gradients so that their total p-norm is at most <paramref name="maxNorm"/>
    /// and returns the total norm before clipping (a 0-d tensor), as
    /// <c>torch.nn.utils.clip_grad_norm_</c>. Parameters without a gradient are skipped;
    /// <paramref name="normType"/> may be <see cref="double.PositiveInfinity"/>.
    /// </summary>
    public static Tensor ClipGradNorm_(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
    {
        var list = parameters.ToList();
        var totalNorm = GetTotalNorm(list.Select(p => p.Grad).OfType<Tensor>(), normType, errorIfNonfinite);
        ClipGradsWithNorm_(list, maxNorm, totalNorm);
        return totalNorm;
    }

    /// <summary>One tensor's gradient: see <see cref="ClipGradNorm_(IEnumerable{Tensor}, double, double, bool)"/>.</summary>
    public static Tensor ClipGradNorm_(Tensor parameter, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
        => ClipGradNorm_([parameter], maxNorm, normType, errorIfNonfinite);

    /// <summary>Clamps every gradient in place into [-clipValue, clipValue], as <c>torch.nn.utils.clip_grad_value_</c>.</summary>
    public static void ClipGradValue_(IEnumerable<Tensor> parameters, double clipValue)
    {
        using var _ = Torch.NoGrad();
        foreach (var p in parameters)
            p.Grad?.Clamp_(-clipValue, clipValue);
    }

    /// <summary>One tensor's gradient: see <see cref="ClipGradValue_(IEnumerable{Tensor}, double)"/>.</summary>
    public static void ClipGradValue_(Tensor parameter, double clipValue) => ClipGradValue_([parameter], clipValue);

    /// <summary>
    /// All parameters flattened and joined into one 1-D tensor (a new tensor; recorded by
    /// autograd), as <c>torch.nn.utils.parameters_to_vector</c>.
    /// </summary>
    public static Tensor ParametersToVector(IEnumerable<Tensor> parameters)
        => Torch.Cat(parameters.Select(p => p.View(-1)).ToList());

    /// <summary>
    /// Copies consecutive slices of <paramref name="vec"/> into the parameters (reshaped to each
    /// one's shape, cast to its dtype), without recording autograd, as
    /// <c>torch.nn.utils.vector_to_parameters</c>. PyTorch instead rebinds each parameter's
    /// <c>.data</c> to a view of <paramref name="vec"/>; here a parameter keeps its own storage
    /// and dtype, so later changes to <paramref name="vec"/> do not reach it. Like PyTorch, extra
    /// trailing elements of <paramref name="vec"/> are ignored.
    /// </summary>
    public static void VectorToParameters(Tensor vec, IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(vec);
        if (vec.Dim != 1) throw new ArgumentException($"expected a 1-D vector, got shape {ShapeUtil.Format(vec.ShapeRef)}");
        var list = parameters.ToList();
        // Check every slice first so that a short vector changes nothing.
        int pointer = 0;
        foreach (var p in list)
        {
            int available = Math.Clamp(vec.Numel - pointer, 0, p.Numel);
            if (available != p.Numel)
                throw new ArgumentException($"shape '{ShapeUtil.Format(p.ShapeRef)}' is invalid for input of size {available}");
            pointer += p.Numel;
        }
        pointer = 0;
        using var _ = Torch.NoGrad();
        foreach (var p in list)
        {
            p.Copy_(vec.Narrow(0, pointer, p.Numel).View(p.ShapeRef));
            pointer += p.Numel;
        }
    }
}
