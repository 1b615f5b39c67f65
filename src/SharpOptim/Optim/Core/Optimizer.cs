using System.Globalization;
using SharpOptim.Autograd;

namespace SharpOptim.Optim;

/// <summary>The arguments of one <see cref="Optimizer.Step(Func{Tensor}?)"/> call, as step hooks see them.</summary>
public sealed record StepArgs(Func<Tensor>? Closure);

/// <summary>How a group's update is computed: the reference path (PyTorch's for-loop) or one of the two kernels.</summary>
public enum StepImplementation
{
    /// <summary>Per-parameter tensor ops in PyTorch's order; runs under autograd when differentiable.</summary>
    Reference,

    /// <summary>
    /// The single-pass kernel with the reference's exact rounding (<c>ExactMath</c>), asked for by
    /// <c>foreach: true</c>. Not <c>Torch.ForEach</c> (PyTorch's <c>torch._foreach_*</c> list ops):
    /// PyTorch's name for the flag is kept, this path's name says what runs.
    /// </summary>
    ExactKernel,

    /// <summary>The single-pass kernel allowed to contract into fused multiply-adds (<c>FusedMath</c>): <c>fused: true</c>, and the default.</summary>
    FusedKernel,
}

/// <summary>
/// The base of every optimizer, with PyTorch 2.14's semantics: parameter groups with defaults,
/// per-parameter state, state dicts in PyTorch's layout, and every hook PyTorch has. An algorithm
/// supplies its defaults and <see cref="StepGroup"/>; everything else lives here.
/// </summary>
public abstract partial class Optimizer
{
    /// <summary>A default that every group must give itself (PyTorch's <c>torch.optim.optimizer.required</c>).</summary>
    public static readonly object Required = new RequiredParameter();

    private sealed class RequiredParameter
    {
        public override string ToString() => "<required parameter>";
    }

    private readonly List<ParamGroup> _paramGroups = [];

    /// <summary>
    /// Builds the groups from <paramref name="parameters"/>: tensors, <c>(name, tensor)</c> pairs,
    /// or <see cref="ParamGroup"/>s (not mixed), with <paramref name="defaults"/> filling what a group leaves out.
    /// </summary>
    /// <exception cref="ArgumentException">No items; groups mixed with tensors; or what <see cref="AddParamGroup"/> refuses.</exception>
    protected Optimizer(OptimizerParams parameters, OrderedDictionary<string, object?> defaults)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Defaults = defaults ?? throw new ArgumentNullException(nameof(defaults));
        if (parameters.Count == 0) throw new ArgumentException("optimizer got an empty parameter list", nameof(parameters));
        if (parameters[0].Group is null)
        {
            AddParamGroup(new ParamGroup(parameters));
            return;
        }
        foreach (var item in parameters)
            AddParamGroup(item.Group ?? throw new ArgumentException($"param_group must be a ParamGroup, but got {PyRepr.TypeName(item.Value)}", nameof(parameters)));
    }

    /// <summary>The default option values, keyed by PyTorch's names.</summary>
    public OrderedDictionary<string, object?> Defaults { get; }

    /// <summary>The parameter groups, in order.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _paramGroups;

    /// <summary>Per-parameter state, keyed by the parameter tensor itself (identity).</summary>
    public Dictionary<Tensor, OrderedDictionary<string, object?>> State { get; private set; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The state of <paramref name="param"/>, created empty on first use (PyTorch's <c>defaultdict</c>).</summary>
    protected OrderedDictionary<string, object?> StateFor(Tensor param)
    {
        if (!State.TryGetValue(param, out var s)) State[param] = s = new OrderedDictionary<string, object?>();
        return s;
    }

    /// <summary>Adds a group, with PyTorch's checks; on any error the optimizer and the group are left as they were.</summary>
    public void AddParamGroup(ParamGroup paramGroup)
    {
        ArgumentNullException.ThrowIfNull(paramGroup);
        foreach (var p in paramGroup.Params)
        {
            if (!IsDifferentiable && !(p.IsLeaf || p.RetainsGrad))
                throw new ArgumentException("can't optimize a non-leaf Tensor", nameof(paramGroup));
        }
        foreach (var (name, value) in Defaults)
        {
            if (ReferenceEquals(value, Required) && !paramGroup.ContainsKey(name))
                throw new ArgumentException($"parameter group didn't specify a value of required optimization parameter {name}", nameof(paramGroup));
        }
        var distinct = new HashSet<Tensor>(paramGroup.Params, ReferenceEqualityComparer.Instance);
        foreach (var existing in _paramGroups)
        {
            bool named = paramGroup.ParamNames is not null;
            if (named != (existing.ParamNames is not null))
                throw new ArgumentException($"all optimizer param groups should be with/without names. cannot add param group {(named ? "with" : "without")} names to the optimizer", nameof(paramGroup));
            if (existing.Params.Any(distinct.Contains))
                throw new ArgumentException("some parameters appear in more than one parameter group", nameof(paramGroup));
        }
        if (paramGroup.HasDuplicateParams)
            TorchWarnings.Warn("UserWarning", "optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information");

        paramGroup.MoveParamNamesLast();
        foreach (var (name, value) in Defaults) paramGroup.SetDefault(name, value);
        _paramGroups.Add(paramGroup);
    }

    /// <summary>Resets the gradients of every parameter: to null (the default) or to zero.</summary>
    public virtual void ZeroGrad(bool setToNone = true)
    {
        foreach (var group in _paramGroups)
            foreach (var p in group.Params)
            {
                if (p.Grad is null) continue;
                if (setToNone)
                {
                    p.Grad = null;
                    continue;
                }
                var g = p.Grad;
                if (g.GradFn is not null) g.Detach_();
                else g.RequiresGrad = false;
                using (Torch.NoGrad()) g.Zero_();
            }
    }

    /// <summary>
    /// Performs one optimization step. When a <paramref name="closure"/> is given it is run (with
    /// grad enabled) to re-evaluate the loss, which is returned.
    /// </summary>
    public Tensor? Step(Func<Tensor>? closure = null)
    {
        StepCalls++;
        if (GlobalStepPreHooks.IsEmpty && _stepPreHooks.IsEmpty && _stepPostHooks.IsEmpty && GlobalStepPostHooks.IsEmpty)
            return StepWithGradMode(closure);   // the common case, without the hooks' argument record
        // Each list is read when its turn comes, as PyTorch chains its live dicts: a hook that a
        // hook before it registered in a later list runs in this step.
        var args = StepArgsFor(closure);
        foreach (var entry in GlobalStepPreHooks.Snapshot()) args = entry.Hook(this, args) ?? args;
        foreach (var entry in _stepPreHooks.Snapshot()) args = entry.Hook(this, args) ?? args;
        var loss = StepWithGradMode(args.Closure);
        foreach (var entry in _stepPostHooks.Snapshot()) entry.Hook(this, args);
        foreach (var entry in GlobalStepPostHooks.Snapshot()) entry.Hook(this, args);
        return loss;
    }

    /// <summary>
    /// How many times <see cref="Step"/> was called (counted as it starts, before any hook), which
    /// schedulers read to warn when they step first (PyTorch's <c>_opt_called</c>).
    /// </summary>
    internal long StepCalls { get; private set; }

    private StepArgs? _lastStepArgs;

    /// <summary>The hooks' argument record, reused while the closure stays the same (it is immutable), so that stepping with hooks allocates none.</summary>
    private StepArgs StepArgsFor(Func<Tensor>? closure)
    {
        if (_lastStepArgs is { } last && ReferenceEquals(last.Closure, closure)) return last;
        return _lastStepArgs = new StepArgs(closure);
    }

    /// <summary>The step itself, with grad mode on only for differentiable steps (set directly: a scope object would be an allocation per step).</summary>
    private Tensor? StepWithGradMode(Func<Tensor>? closure)
    {
        bool previous = GradMode.IsEnabled;
        GradMode.IsEnabled = IsDifferentiable;
        try
        {
            return StepImpl(closure);
        }
        finally
        {
            GradMode.IsEnabled = previous;
        }
    }

    /// <summary>True when the steps themselves are recorded by autograd (<c>differentiable: true</c>).</summary>
    protected bool IsDifferentiable => Defaults.TryGetValue("differentiable", out var d) && OptionValues.ToBool(d, "differentiable");

    /// <summary>Runs the closure (if any) with grad enabled, then steps each group. LBFGS overrides this whole.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Public API since 0.1; renaming breaks subclasses.")]
    protected virtual Tensor? StepImpl(Func<Tensor>? closure)
    {
        var loss = EvaluateClosure(closure);
        CheckGroupsBeforeStep();
        foreach (var group in _paramGroups) StepGroup(group);
        return loss;
    }

    /// <summary>Runs <paramref name="closure"/> with grad enabled, as PyTorch's <c>with torch.enable_grad()</c>.</summary>
    protected static Tensor? EvaluateClosure(Func<Tensor>? closure)
    {
        if (closure is null) return null;
        using (Torch.EnableGrad()) return closure();
    }

    /// <summary>
    /// The algorithm: updates the parameters of one group that have a gradient. It gathers and
    /// checks everything first (see <see cref="CheckGroup"/>), and changes nothing when it throws.
    /// </summary>
    protected abstract void StepGroup(ParamGroup group);

    /// <summary>
    /// Fills <paramref name="into"/> (cleared first) with the parameters of <paramref name="group"/>
    /// that have a gradient, the ones a step updates (a list the optimizer keeps between steps,
    /// so that a step allocates nothing).
    /// </summary>
    protected static List<Tensor> ParamsWithGrad(ParamGroup group, List<Tensor> into) => ParamsWithGrad(group, into, out _);

    /// <summary>
    /// As <see cref="ParamsWithGrad(ParamGroup, List{Tensor})"/>, also telling whether some gradient
    /// is sparse, in the same pass (with thousands of small tensors each pass costs cache misses).
    /// </summary>
    protected internal static List<Tensor> ParamsWithGrad(ParamGroup group, List<Tensor> into, out bool anySparse)
    {
        into.Clear();
        anySparse = false;
        var ps = group.Params;
        for (int i = 0; i < ps.Count; i++)
        {
            if (ps[i].Grad is not { } grad) continue;
            anySparse |= grad.IsSparse;
            into.Add(ps[i]);
        }
        return into;
    }

    /// <summary>
    /// Chooses the code path for a group from its <c>foreach</c>, <c>fused</c> and
    /// <c>differentiable</c> options. Unspecified means the fastest path that can serve the
    /// group; differentiable steps and sparse gradients always take the reference path, and so
    /// does a group that lists a parameter twice: PyTorch's default for-loop updates it twice in
    /// sequence, which the reference path does too, where one kernel dispatch would run both
    /// copies at once and race.
    /// </summary>
    protected internal static StepImplementation ResolveImplementation(ParamGroup group, bool hasSparseGrad)
    {
        bool differentiable = group.ContainsKey("differentiable") && group.GetBool("differentiable");
        bool? fused = group.ContainsKey("fused") ? group.GetNullableBool("fused") : null;
        bool? forEach = group.ContainsKey("foreach") ? group.GetNullableBool("foreach") : null;
        if (differentiable || hasSparseGrad || group.HasDuplicateParams) return StepImplementation.Reference;
        if (fused == true) return StepImplementation.FusedKernel;
        if (forEach == true) return StepImplementation.ExactKernel;
        if (fused is null && forEach is null) return StepImplementation.FusedKernel;
        return StepImplementation.Reference;
    }

    /// <summary>
    /// PyTorch's optimizer repr: the class name and <c>(</c>, then for each group a
    /// <c>Parameter Group i</c> line followed by one <c>key: value</c> line per option, sorted by key
    /// (a tensor lr printed as its value), and a closing <c>)</c>.
    /// </summary>
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder(GetType().Name + " (");
        for (int i = 0; i < _paramGroups.Count; i++)
        {
            sb.Append('\n').Append(CultureInfo.InvariantCulture, $"Parameter Group {i}\n");
            foreach (var key in _paramGroups[i].Keys.Order(StringComparer.Ordinal))
                sb.Append(CultureInfo.InvariantCulture, $"    {key}: {FormatOption(_paramGroups[i][key])}\n");
        }
        return sb.Append(')').ToString();
    }

    /// <summary>
    /// An option as PyTorch's repr writes it, through an f-string (str()): a 0-d float tensor (a
    /// tensor lr) formats as its value, a string option (line_search_fn) unquoted.
    /// </summary>
    private static string FormatOption(object? value) => value switch
    {
        Tensor { Dim: 0, IsFloatingPoint: true } t => PyRepr.Float(t.Item()),
        string s => s,
        _ => PyRepr.Value(value),
    };
}
