namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// A hyper-parameter given once for every parameter group or once per group — PyTorch's
/// <c>float | list[float]</c> (e.g. CyclicLR's <c>base_lr</c>, ReduceLROnPlateau's <c>min_lr</c>).
/// Converts implicitly from a number, a one-element tensor, or an array or list of them:
/// <c>baseLr: 0.01</c> or <c>baseLr: new[] { 0.01, 0.02 }</c>.
/// </summary>
public readonly struct PerGroup
{
    private readonly FloatOrTensor _one;
    private readonly IReadOnlyList<FloatOrTensor>? _many;

    private PerGroup(FloatOrTensor one, IReadOnlyList<FloatOrTensor>? many)
    {
        _one = one;
        _many = many;
    }

    /// <summary>True when one value per group was given (a list), false for one value for all.</summary>
    public bool IsList => _many is not null;

    /// <summary>The values given, one for all groups or one per group.</summary>
    internal IReadOnlyList<FloatOrTensor> Given => _many ?? [_one];

    /// <summary>One number for every group.</summary>
    public static implicit operator PerGroup(double value) => new(value, null);

    /// <summary>One one-element tensor for every group (each group gets its own clone).</summary>
    public static implicit operator PerGroup(Tensor value) => new(value, null);

    /// <summary>One value for every group (a tensor is cloned per group).</summary>
    public static implicit operator PerGroup(FloatOrTensor value) => new(value, null);

    /// <summary>One number per group, in group order; the count is checked against the optimizer's groups when the scheduler is built.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static implicit operator PerGroup(double[] values) => FromList(values?.Select(v => (FloatOrTensor)v));

    /// <summary>One number per group, in group order; the count is checked against the optimizer's groups when the scheduler is built.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static implicit operator PerGroup(List<double> values) => FromList(values?.Select(v => (FloatOrTensor)v));

    /// <summary>One value per group, in group order; the count is checked against the optimizer's groups when the scheduler is built.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static implicit operator PerGroup(FloatOrTensor[] values) => FromList(values);

    /// <summary>One value per group, in group order; the count is checked against the optimizer's groups when the scheduler is built.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static implicit operator PerGroup(List<FloatOrTensor> values) => FromList(values);

    private static PerGroup FromList(IEnumerable<FloatOrTensor>? values)
        => new(default, (values ?? throw new ArgumentNullException(nameof(values))).ToList());

    /// <summary>
    /// One value per group of <paramref name="optimizer"/> (PyTorch's <c>_format_param</c>): a
    /// single value repeated, or the list checked against the number of groups. Tensors are
    /// cloned, so later changes to the caller's tensors do not reach the scheduler.
    /// </summary>
    internal List<FloatOrTensor> Expand(string name, Optimizer optimizer)
    {
        int groups = optimizer.ParamGroups.Count;
        var one = _one;
        if (_many is null) return Enumerable.Range(0, groups).Select(_ => one.Clone()).ToList();
        if (_many.Count != groups)
            throw new ArgumentException($"{name} must have the same length as optimizer.param_groups. {name} has {_many.Count} values, param_groups has {groups}.", name);
        return _many.Select(v => v.Clone()).ToList();
    }

    /// <summary>The value, or the list as Python prints it (<c>[0.01, 0.02]</c>).</summary>
    public override string ToString() => _many is null ? _one.ToString() : "[" + string.Join(", ", _many) + "]";
}
