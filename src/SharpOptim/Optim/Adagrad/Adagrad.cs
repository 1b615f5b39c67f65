using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Adagrad — PyTorch's <c>torch.optim.Adagrad</c>: each element's step is scaled by the inverse
/// square root of the sum of its squared gradients, with the learning rate decayed as
/// <c>lr / (1 + (step - 1)·lr_decay)</c>. State per parameter: <c>step</c> (0-d float32 tensor)
/// and <c>sum</c>, made for every parameter at construction (filled with
/// <c>initial_accumulator_value</c>), as PyTorch does.
/// <para>
/// Sparse gradients (e.g. from <c>Embedding(sparse: true)</c>) are supported on the reference
/// path, which then updates only the rows the gradient holds; PyTorch's restrictions apply
/// (no <c>weight_decay</c>, no <c>fused</c>). With <c>differentiable: true</c> sparse gradients are
/// refused (a later issue can record the sparse update for autograd).
/// </para>
/// </summary>
public sealed class Adagrad : Optimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a number or a one-element tensor (default 1e-2).</param>
    /// <param name="lrDecay">Learning-rate decay per step.</param>
    /// <param name="weightDecay">L2 penalty.</param>
    /// <param name="initialAccumulatorValue">Starting value of every element of <c>sum</c>.</param>
    /// <param name="eps">Added to the denominator for numerical stability.</param>
    /// <param name="foreach">True: the kernel path with the reference's exact rounding. Null with <paramref name="fused"/> null: the fastest path.</param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="differentiable">Record the step for autograd (reference path).</param>
    /// <param name="fused">True: the kernel path with fused multiply-adds (dense gradients only).</param>
    public Adagrad(IEnumerable<object> parameters, FloatOrTensor? lr = null, double lrDecay = 0, double weightDecay = 0,
                   double initialAccumulatorValue = 0, double eps = 1e-10, bool? @foreach = null, bool maximize = false,
                   bool differentiable = false, bool? fused = null)
        : base(parameters, MakeDefaults(lr ?? 1e-2, lrDecay, weightDecay, initialAccumulatorValue, eps, @foreach, maximize, differentiable, fused))
    {
        Validation.CheckFusedFlags(@foreach, fused, differentiable);
        foreach (var group in ParamGroups)
            foreach (var p in group.Params) InitState(StateFor(p), p, group, initialAccumulatorValue);
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, double lrDecay, double weightDecay,
        double initialAccumulatorValue, double eps, bool? forEach, bool maximize, bool differentiable, bool? fused)
    {
        Validation.CheckLr(lr);
        Validation.CheckNonNegative(lrDecay, "lr_decay", nameof(lrDecay));
        Validation.CheckNonNegative(weightDecay, "weight_decay", nameof(weightDecay));
        Validation.CheckNonNegative(initialAccumulatorValue, "initial_accumulator_value", nameof(initialAccumulatorValue));
        Validation.CheckNonNegative(eps, "epsilon", nameof(eps));
        return new()
        {
            ["lr"] = lr.AsOption,
            ["lr_decay"] = lrDecay,
            ["eps"] = eps,
            ["weight_decay"] = weightDecay,
            ["initial_accumulator_value"] = initialAccumulatorValue,
            ["foreach"] = forEach,
            ["maximize"] = maximize,
            ["differentiable"] = differentiable,
            ["fused"] = fused,
        };
    }

    private static void InitState(OrderedDictionary<string, object?> state, Tensor p, ParamGroup group, double initialAccumulatorValue)
    {
        state["step"] = ScalarState.NewStep(fused: group.GetNullableBool("fused") == true);
        state["sum"] = Torch.FullLike(p, initialAccumulatorValue);
    }

    protected override IEnumerable<string> ElementwiseStateKeys => ["sum"];

    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    protected override void SetGroupDefaults(ParamGroup group)
    {
        group.SetDefault("foreach", null);
        group.SetDefault("maximize", false);
        group.SetDefault("differentiable", false);
        group.SetDefault("fused", null);
    }

    /// <summary>One parameter's step counter, <c>sum</c>, and its decayed learning rate for this step (set once the step is counted).</summary>
    private readonly record struct ParamState(Tensor Step, Tensor Sum, double Clr);

    // Lists kept between steps and refilled per group, so that a steady-state step allocates nothing.
    private readonly List<Tensor> _params = [];
    private readonly List<ParamState> _states = [];

    protected override void CheckGroup(ParamGroup group) => Gather(group, create: false);

    protected override void StepGroup(ParamGroup group)
    {
        if (Gather(group, create: true) is not { } gathered) return;
        var (implementation, h, lr) = gathered;
        var (ps, states) = (_params, _states);
        double previousStep = double.NaN, clr = 0;
        for (int i = 0; i < ps.Count; i++)
        {
            double step = ScalarState.Increment(states[i].Step);
            // Parameters usually share their step count, and then their decayed lr.
            if (step != previousStep) clr = DecayedLr(lr, step, h.LrDecay);
            states[i] = states[i] with { Clr = clr };
            previousStep = step;
        }

        switch (implementation)
        {
            case StepImplementation.Reference: Reference(ps, states, h, group.GetBool("differentiable")); break;
            case StepImplementation.ForEach: Kernel<ExactMath>(ps, states, h); break;
            default: Kernel<FusedMath>(ps, states, h); break;
        }
    }

    /// <summary>
    /// Everything the step reads (parameters in <c>_params</c>, states in <c>_states</c>, the
    /// options), checked before it changes anything; null when no parameter has a gradient.
    /// </summary>
    private (StepImplementation, AdagradHyper, HyperScalar)? Gather(ParamGroup group, bool create)
    {
        var ps = ParamsWithGrad(group, _params, out bool hasSparseGrad);
        if (ps.Count == 0) return null;
        var h = new AdagradHyper(group.GetDouble("lr_decay"), group.GetDouble("weight_decay"), group.GetDouble("eps"), group.GetBool("maximize"));
        var implementation = ResolveImplementation(group, hasSparseGrad);
        CheckStep(group, hasSparseGrad, h);
        var lr = HyperScalar.Of(FloatOrTensor.ReadLr(group));
        var schema = new StateSchema(group, OptionValues.ToDouble(Defaults["initial_accumulator_value"], "initial_accumulator_value"));
        GatherStates(ps, _states, schema, create, implementation == StepImplementation.Reference ? null : nameof(Adagrad));
        return (implementation, h, lr);
    }

    /// <summary>
    /// A parameter's state: <c>step</c> and <c>sum</c>. A parameter added after construction gets
    /// its state at its first step, from the optimizer's defaults (as PyTorch).
    /// </summary>
    private readonly struct StateSchema(ParamGroup group, double initialAccumulatorValue) : IStepStateSchema<ParamState>
    {
        public ParamState Read(in StepStateEntries e) => new(e.Step(), e.Elementwise("sum"), Clr: 0);

        public bool LacksEntries(in ParamState state) => false;

        public void Create(OrderedDictionary<string, object?> state, Tensor p) => InitState(state, p, group, initialAccumulatorValue);
    }

    /// <summary>PyTorch's step-time refusals, checked before anything changes.</summary>
    private static void CheckStep(ParamGroup group, bool hasSparseGrad, AdagradHyper h)
    {
        if (hasSparseGrad && group.GetNullableBool("fused") == true)
            throw new InvalidOperationException("`fused` does not support sparse grad or complex param");
        if (hasSparseGrad && h.WeightDecay != 0)
            throw new InvalidOperationException("weight_decay option is not compatible with sparse gradients");
        if (hasSparseGrad && group.GetBool("differentiable"))
            throw new NotSupportedException("Adagrad with differentiable=True does not support sparse gradients in SharpOptim yet: the sparse update is not recorded by autograd.");
        TensorLr.RefuseRecordedRequiresGrad(group, "addcdiv_", "'value'");
    }

    /// <summary>
    /// <c>lr / (1 + (step - 1)·lr_decay)</c>. A tensor lr is divided in its own dtype (float32 for
    /// PyTorch's <c>torch.tensor(0.01)</c>), as PyTorch's tensor division computes it.
    /// </summary>
    private static double DecayedLr(HyperScalar lr, double step, double lrDecay) => (lr / (1 + (step - 1) * lrDecay)).Value;

    /// <summary>PyTorch's <c>_single_tensor_adagrad</c>, operation for operation.</summary>
    private static void Reference(List<Tensor> ps, List<ParamState> states, AdagradHyper h, bool differentiable)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            var param = ps[i];
            var (_, sum, clr) = states[i];
            var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
            if (h.WeightDecay != 0) grad = grad.Add(param, alpha: h.WeightDecay);
            if (grad.IsSparse)
            {
                SparseUpdate(param, grad, sum, clr, h.Eps);
                continue;
            }
            sum.Addcmul_(grad, grad, value: 1);
            var std = differentiable ? sum.Sqrt().Add(h.Eps) : sum.Sqrt().Add_(h.Eps);
            param.Addcdiv_(grad, std, value: -clr);
        }
    }

    /// <summary>
    /// The sparse branch: only the gradient's entries are touched. Duplicate indices are summed
    /// first because the update is not linear in the gradient.
    /// </summary>
    private static void SparseUpdate(Tensor param, Tensor grad, Tensor sum, double clr, double eps)
    {
        grad = grad.Coalesce();
        var indices = grad.Indices();
        var values = grad.Values();
        sum.Add_(Torch.SparseCooTensor(indices, values.Square(), param.Shape));
        var stdValues = sum.SparseMask(grad).Values().Sqrt_().Add_(eps);
        param.Add_(Torch.SparseCooTensor(indices, values.Div(stdValues), param.Shape), alpha: -clr);
    }

    /// <summary>The dense update over every parameter of the group in one dispatch.</summary>
    private static void Kernel<TMath>(List<Tensor> ps, List<ParamState> states, AdagradHyper h) where TMath : IKernelMath
    {
        ElementwiseKernel.Run(ps, nameof(Adagrad), new Chunks<TMath>(ps, states, h));
    }

    /// <summary>
    /// The dense update in one pass per chunk: read grad, param and sum once, write param and sum
    /// once. The reference's operations in its order; <c>sum + g·g</c> (an <c>addcmul_</c>) and the
    /// weight decay (an <c>add(alpha=)</c>) round once in either numerics mode (TMath).
    /// </summary>
    private readonly struct Chunks<TMath>(List<Tensor> ps, List<ParamState> states, AdagradHyper h) : IElementwiseKernel
        where TMath : IKernelMath
    {
        public void Run<T>(int t, int start, int length) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var (p, s) = (ps[t], states[t]);
            if (start == 0) s.Sum.MarkModified();   // while its objects are in cache
            AdagradKernel.Step<T, TMath>(ElementwiseKernel.Chunk<T>(p, start, length), ElementwiseKernel.Chunk<T>(p.Grad!, start, length),
                ElementwiseKernel.Chunk<T>(s.Sum, start, length), s.Clr, h);
        }
    }
}
