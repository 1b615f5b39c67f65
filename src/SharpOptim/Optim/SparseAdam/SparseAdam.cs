using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Adam masked to the entries of sparse gradients — PyTorch's <c>torch.optim.SparseAdam</c>, for
/// dense parameters whose gradients are sparse COO tensors, such as <c>Embedding(sparse: true)</c>'s
/// weight. Only the rows a gradient holds are updated, in the parameter and in both moments; a
/// dense gradient is refused. State per parameter: <c>step</c> (a plain integer, as PyTorch keeps
/// it for SparseAdam), <c>exp_avg</c>, <c>exp_avg_sq</c>.
/// <para>
/// PyTorch has a single for-loop implementation and no <c>foreach</c>/<c>fused</c> arguments.
/// SharpOptim adds them to choose its own code path (they are not stored in the parameter
/// groups, so state dicts stay PyTorch's): <c>foreach: false</c> runs the reference path of tensor
/// operations in PyTorch's order; <c>foreach: true</c> a kernel over the touched rows with the
/// reference's exact rounding; <c>fused: true</c>, or both left null, the same kernel with fused
/// multiply-adds.
/// </para>
/// </summary>
public sealed partial class SparseAdam : Optimizer
{
    private readonly bool? _forEach;
    private readonly bool? _fused;

    /// <param name="parameters">Dense tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a positive number or a one-element tensor (default 1e-3).</param>
    /// <param name="betas">Decay rates of the moment averages (default (0.9, 0.999)).</param>
    /// <param name="eps">Added to the denominator; must be positive.</param>
    /// <param name="maximize">Maximise the objective instead of minimising it.</param>
    /// <param name="foreach">SharpOptim's choice of path (not a PyTorch argument): true for the exact kernel, false for the reference.</param>
    /// <param name="fused">SharpOptim's choice of path (not a PyTorch argument): true for the fused kernel.</param>
    public SparseAdam(OptimizerParams parameters, FloatOrTensor? lr = null, (double Beta1, double Beta2)? betas = null,
                      double eps = 1e-8, bool maximize = false, bool? @foreach = null, bool? fused = null)
        : base(parameters, MakeDefaults(lr ?? 1e-3, betas ?? (0.9, 0.999), eps, maximize))
    {
        Validation.CheckFusedFlags(@foreach, fused, differentiable: false);
        var sparse = new List<string>();
        for (int g = 0; g < ParamGroups.Count; g++)
            for (int i = 0; i < ParamGroups[g].Params.Count; i++)
                if (ParamGroups[g].Params[i].IsSparse) sparse.Add($"[{g}, {i}]");
        if (sparse.Count > 0)
            throw new ArgumentException($"Sparse params at indices [{string.Join(", ", sparse)}]: SparseAdam requires dense parameter tensors", nameof(parameters));
        _forEach = @foreach;
        _fused = fused;
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, (double Beta1, double Beta2) betas, double eps, bool maximize)
    {
        // PyTorch's checks, in its order. SparseAdam wants lr and eps strictly positive; the
        // values are Python floats, so they print as floats ("0.0", "1.0").
        if (lr.Tensor is { Numel: not 1 }) throw new ArgumentException("Tensor lr must be 1-element", nameof(lr));
        if (!(lr.Value > 0)) throw new ArgumentOutOfRangeException(nameof(lr), lr.Value, $"Invalid learning rate: {PyRepr.Float(lr.Value)}");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"Invalid epsilon value: {PyRepr.Float(eps)}");
        CheckBeta(betas.Beta1, 0);
        CheckBeta(betas.Beta2, 1);
        return new()
        {
            ["lr"] = lr.AsOption,
            ["betas"] = (betas.Beta1, betas.Beta2),
            ["eps"] = eps,
            ["maximize"] = maximize,
        };
    }

    private static void CheckBeta(double beta, int index)
    {
        if (!(beta >= 0 && beta < 1))
            throw new ArgumentOutOfRangeException("betas", beta, $"Invalid beta parameter at index {index}: {PyRepr.Float(beta)}");
    }

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["exp_avg", "exp_avg_sq"];

    /// <summary>
    /// Runs the closure, then refuses a dense gradient in any group before anything changes
    /// (PyTorch raises while it walks the groups, after updating the earlier ones), then steps.
    /// </summary>
    protected override Tensor? StepImpl(Func<Tensor>? closure)
    {
        var loss = EvaluateClosure(closure);
        var groups = ParamGroups;
        // Indexed loops: an interface's enumerator would be an allocation per step.
        for (int g = 0; g < groups.Count; g++)
            for (int i = 0; i < groups[g].Params.Count; i++)
                if (groups[g].Params[i].Grad is { IsSparse: false })
                    throw new InvalidOperationException("SparseAdam does not support dense gradients, please consider Adam instead");
        CheckGroupsBeforeStep();
        for (int g = 0; g < groups.Count; g++) StepGroup(groups[g]);
        return loss;
    }

    /// <summary>One parameter's state dictionary and moments, and its step count once this step is taken.</summary>
    private readonly record struct ParamState(OrderedDictionary<string, object?> Entries, Tensor ExpAvg, Tensor ExpAvgSq, int Step);

    // Lists kept between steps and refilled per group, so that a steady-state step allocates nothing.
    private readonly List<Tensor> _params = [];
    private readonly List<ParamState> _states = [];

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => Gather(group, create: false);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group)
    {
        var (lr, beta1, beta2, eps, maximize) = Gather(group, create: true);
        var (ps, states) = (_params, _states);
        bool duplicates = group.HasDuplicateParams;
        object? box = null;
        for (int i = 0; i < ps.Count; i++)
        {
            // A later copy of a parameter counts on from the step its earlier copy just stored.
            if (duplicates && LastCopyBefore(states, i) is int earlier) states[i] = states[i] with { Step = states[earlier].Step + 1 };
            int step = states[i].Step;
            // Parameters usually share their step count, and then its box.
            if (box is not int previous || previous != step) box = StepCountBoxes.Box(step);
            states[i].Entries["step"] = box;
        }

        if (RunsReference(group)) Reference(ps, states, lr, beta1, beta2, eps, maximize);
        else if (_forEach == true) Kernel<ExactMath>(ps, states, lr, beta1, beta2, eps, maximize);
        else Kernel<FusedMath>(ps, states, lr, beta1, beta2, eps, maximize);
    }

    /// <summary>
    /// Everything the step reads (parameters in <c>_params</c>, states in <c>_states</c>, the
    /// options), checked before any step count changes.
    /// </summary>
    private (PyNumber Lr, double Beta1, double Beta2, double Eps, bool Maximize) Gather(ParamGroup group, bool create)
    {
        var ps = ParamsWithGrad(group, _params);
        var (beta1, beta2) = group.GetPair("betas");
        double eps = group.GetDouble("eps");
        bool maximize = group.ContainsKey("maximize") && group.GetBool("maximize");
        var lr = PyNumber.FromValue(group.Peek("lr"), "lr");
        GatherStates(ps, _states, new StateSchema(), create, RunsReference(group) ? null : nameof(SparseAdam));
        return (lr, beta1, beta2, eps, maximize);
    }

    /// <summary>
    /// The reference path when asked for, and for a group that lists a parameter twice: its copies
    /// are updated in sequence, as PyTorch's for-loop does (one kernel dispatch would run them at once).
    /// </summary>
    private bool RunsReference(ParamGroup group) => (_forEach == false && _fused != true) || group.HasDuplicateParams;

    /// <summary>The last index before <paramref name="i"/> holding the same parameter's state, if any.</summary>
    private static int? LastCopyBefore(List<ParamState> states, int i)
    {
        for (int k = i - 1; k >= 0; k--)
            if (ReferenceEquals(states[k].Entries, states[i].Entries)) return k;
        return null;
    }

    /// <summary>A parameter's state (created at zero on its first step), with the count its step will have.</summary>
    private readonly struct StateSchema : IStepStateSchema<ParamState>
    {
        public ParamState Read(in StepStateEntries e)
            => new(e.State, e.Elementwise("exp_avg"), e.Elementwise("exp_avg_sq"), StepCount(e) + 1);

        public bool LacksEntries(in ParamState state) => false;

        /// <summary>In PyTorch's key order; the step a plain integer.</summary>
        public void Create(OrderedDictionary<string, object?> state, Tensor p)
        {
            state["step"] = StepCountBoxes.Box(0);
            state["exp_avg"] = Torch.ZerosLike(p);
            state["exp_avg_sq"] = Torch.ZerosLike(p);
        }

        private static int StepCount(in StepStateEntries e) => e.Value("step") switch
        {
            int i when i < int.MaxValue => i,
            long l when l is >= int.MinValue and < int.MaxValue => (int)l,
            double d when d == Math.Floor(d) && d is >= int.MinValue and < int.MaxValue => (int)d,
            Tensor { Numel: 1 } t when t.Item() is >= int.MinValue and < int.MaxValue => (int)t.Item(),
            var other => throw e.Problem("step", $"of {StateValues.Describe(other)}, expected a step count"),
        };
    }

    /// <summary><c>lr * sqrt(1 - beta2^t) / (1 - beta1^t)</c> with lr's kind (a tensor lr keeps it a tensor), as PyTorch computes it.</summary>
    private static PyNumber StepSize(PyNumber lr, double beta1, double beta2, int step)
        => lr * Math.Sqrt(1 - Math.Pow(beta2, step)) / (1 - Math.Pow(beta1, step));

    /// <summary>The reference path, parameter by parameter.</summary>
    private static void Reference(List<Tensor> ps, List<ParamState> states, PyNumber lr, double beta1, double beta2, double eps, bool maximize)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            var grad = ps[i].Grad!;
            var stepSize = StepSize(lr, beta1, beta2, states[i].Step);
            Reference(ps[i], grad.IsCoalesced ? grad : grad.Coalesce(), states[i].ExpAvg, states[i].ExpAvgSq, beta1, beta2, eps, stepSize, maximize);
        }
    }

    /// <summary>PyTorch's <c>_functional.sparse_adam</c> for one parameter, operation for operation.</summary>
    private static void Reference(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double beta1, double beta2, double eps,
                                  PyNumber stepSize, bool maximize)
    {
        if (maximize) grad = grad.Neg();
        var values = grad.Values();
        if (values.Numel == 0) return; // an empty gradient updates nothing (its step still counts)
        Tensor Sparse(Tensor v) => Tensor.MakeSparse(grad.Indices(), v, param.Shape, coalesced: true);

        // old <- b * old + (1 - b) * new, written as old += (1 - b) * (new - old)
        var oldExpAvg = expAvg.SparseMask(grad).Values();
        var expAvgUpdate = values.Sub(oldExpAvg).Mul_(1 - beta1);
        expAvg.Add_(Sparse(expAvgUpdate));
        var oldExpAvgSq = expAvgSq.SparseMask(grad).Values();
        var expAvgSqUpdate = values.Square().Sub_(oldExpAvgSq).Mul_(1 - beta2);
        expAvgSq.Add_(Sparse(expAvgSqUpdate));

        // The new moments again, from the same values (a dense add rather than another mask).
        var numer = expAvgUpdate.Add_(oldExpAvg);
        var denom = expAvgSqUpdate.Add_(oldExpAvgSq).Sqrt_().Add_(eps);
        var ratio = numer.Div_(denom);
        var update = (-stepSize).Tensor is { } negStep ? ratio.Mul(negStep) : ratio.Mul(-stepSize.Value);
        param.Add_(Sparse(update));
    }
}
