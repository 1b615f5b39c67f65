namespace SharpOptim.Optim;

/// <summary>
/// One parameter's state as a step reads it. Each accessor checks its entry (present, and a
/// tensor of the kind the step needs) and refuses anything else with an
/// <see cref="InvalidOperationException"/> that names the parameter's index (as in the state
/// dict) and the key; where PyTorch raises for the same entry its text is in the message. Reads
/// change nothing, so a step that gathers every state first fails before changing anything.
/// <paramref name="kernel"/>: the step runs a kernel, which reads state tensors as dense spans
/// (the reference path also takes sparse ones, such as SGD's momentum buffer of sparse gradients).
/// </summary>
internal readonly struct StepStateEntries(Optimizer owner, Tensor param, OrderedDictionary<string, object?> state, bool kernel)
{
    public Tensor Param => param;

    /// <summary>The state dictionary itself.</summary>
    public OrderedDictionary<string, object?> State => state;

    /// <summary>
    /// The step counter: any one-element tensor. A plain number fails with PyTorch's message (its
    /// functional API refuses steps that are not tensors before it changes anything).
    /// </summary>
    public Tensor Step(string key = "step")
    {
        var value = Required(key);
        if (value is Tensor { IsSparse: false, Numel: 1 } t) return t;
        throw Problem(key, $"of {StateValues.Describe(value)}, expected a one-element tensor (PyTorch: API has changed, `state_steps` argument must contain a list of singleton tensors)");
    }

    /// <summary>A one-element state tensor other than the step (NAdam's <c>mu_product</c>, ASGD's <c>eta</c> and <c>mu</c>).</summary>
    public Tensor Scalar(string key)
    {
        var value = Required(key);
        if (value is Tensor { IsSparse: false, Numel: 1 } t) return t;
        throw Problem(key, $"of {StateValues.Describe(value)}, expected a one-element tensor");
    }

    /// <summary>A state tensor with the parameter's dtype and shape (<c>exp_avg</c>, <c>momentum_buffer</c>, ...).</summary>
    public Tensor Elementwise(string key) => Check(key, Required(key), param.ShapeRef);

    /// <summary>As <see cref="Elementwise"/>, or null when the state has no such entry (or holds None there).</summary>
    public Tensor? OptionalElementwise(string key)
        => state.TryGetValue(key, out var value) && value is not null ? Check(key, value, param.ShapeRef) : null;

    /// <summary>
    /// A state tensor of the parameter's dtype and the given shape (Adafactor's moments).
    /// Absent or None, it is refused with <paramref name="whenMissing"/> (PyTorch's own message).
    /// </summary>
    public Tensor Shaped(string key, ReadOnlySpan<int> shape, string whenMissing)
        => state.GetValueOrDefault(key) is { } value ? Check(key, value, shape) : throw Problem(key, null, whenMissing);

    /// <summary>The entry as it is (for entries that are not tensors, such as SparseAdam's integer step), refused when absent.</summary>
    public object? Value(string key) => Required(key);

    /// <summary>The entry, or PyTorch's KeyError (its text is the quoted key) when the state has none.</summary>
    private object? Required(string key)
        => state.TryGetValue(key, out var value) ? value : throw Problem(key, null);

    private Tensor Check(string key, object? value, ReadOnlySpan<int> shape)
    {
        if (value is not Tensor t || (kernel && t.IsSparse))
            throw Problem(key, $"of {StateValues.Describe(value)}, expected a{(kernel ? " dense" : "")} {param.DType.TorchName()} tensor of shape {ShapeUtil.Format(shape)}");
        if (t.DType != param.DType)
            throw Problem(key, $"of dtype {t.DType.TorchName()}, but the parameter's dtype is {param.DType.TorchName()}");
        if (!ShapeUtil.SameShape(t.ShapeRef, shape))
            throw Problem(key, $"of shape {ShapeUtil.Format(t.ShapeRef)}, expected shape {ShapeUtil.Format(shape)} (the parameter has shape {ShapeUtil.Format(param.ShapeRef)})");
        return t;
    }

    /// <summary>The refusal of entry <paramref name="key"/>: missing when <paramref name="what"/> is null.</summary>
    public InvalidOperationException Problem(string key, string? what, string? detail = null)
        => StateProblem.AtStep(owner, param, key, what, detail);
}
