using System.Collections;
using System.Runtime.CompilerServices;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Adafactor (Shazeer and Stern, 2018) as PyTorch's <c>torch.optim.Adafactor</c>: second moments
/// kept as a row factor and a column factor over the last two dims of every param with 2+
/// dims (state <c>step</c>, <c>row_var</c> of shape (..., rows, 1) and <c>col_var</c> of shape
/// (..., 1, cols)), or in full for 0-d and 1-d params (<c>step</c>, <c>variance</c>); relative
/// step size <c>min(lr, 1/√t)</c> scaled by RMS(param), update clipping by <c>d</c>, and
/// decoupled weight decay scaled by <c>lr</c>. Sparse gradients are refused, as in PyTorch.
/// </summary>
/// <remarks>
/// PyTorch's Adafactor has no <c>fused</c>, <c>capturable</c> or <c>differentiable</c> option.
/// <c>fused</c> is SharpOptim's own switch to its kernel path with fused multiply-adds; it is
/// stored in the group (after PyTorch's keys) only when given, so a default state dict is
/// PyTorch's exactly. With <c>foreach</c> and <c>fused</c> both null the fused kernel runs
/// (PyTorch runs its for-loop).
/// </remarks>
public sealed partial class Adafactor : Optimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a number or a one-element tensor (default 1e-2): the cap of the relative step size and the weight-decay scale.</param>
    /// <param name="beta2Decay">Decay rate of beta2: <c>1 - beta2_t = t^beta2Decay</c> (default -0.8, must be &lt;= 0).</param>
    /// <param name="eps">(epsilon1, epsilon2), default (null, 1e-3). epsilon1 floors the variance estimate (null: the param dtype's machine epsilon); epsilon2 floors RMS(param) in the step size.</param>
    /// <param name="d">Clipping threshold of the update's RMS (default 1, must be &gt;= 1).</param>
    /// <param name="weightDecay">Decoupled weight decay coefficient (scaled by lr).</param>
    /// <param name="foreach">True: the kernel path with the reference's exact rounding. False: the reference path.</param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="fused">SharpOptim's option (PyTorch's Adafactor has none): true selects the kernel path with fused multiply-adds.</param>
    public Adafactor(OptimizerParams parameters, FloatOrTensor? lr = null, double beta2Decay = -0.8,
                     (double? Eps1, double Eps2)? eps = null, double d = 1.0, double weightDecay = 0.0,
                     bool? @foreach = null, bool maximize = false, bool? fused = null)
        : base(parameters, MakeDefaults(lr ?? 1e-2, beta2Decay, eps ?? (null, 1e-3), d, weightDecay, @foreach, maximize, fused))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, double beta2Decay, (double? Eps1, double Eps2) eps,
        double d, double weightDecay, bool? forEach, bool maximize, bool? fused)
    {
        Validation.CheckLr(lr, LrCheck.ShouldBeWording);
        BoundChecks.AtMost(beta2Decay, 0, "beta2_decay", nameof(beta2Decay));
        if (eps.Eps1 is double eps1) BoundChecks.AtLeast(eps1, 0, "epsilon1", nameof(eps));
        BoundChecks.AtLeast(eps.Eps2, 0, "epsilon2", nameof(eps));
        BoundChecks.AtLeast(d, 1, "Clipping threshold d", nameof(d));
        BoundChecks.AtLeast(weightDecay, 0, "weight_decay", nameof(weightDecay));
        Validation.CheckFusedFlags(forEach, fused, differentiable: false);
        var defaults = new OrderedDictionary<string, object?>
        {
            ["lr"] = lr.AsOption,
            ["beta2_decay"] = beta2Decay,
            ["eps"] = eps,
            ["d"] = d,
            ["weight_decay"] = weightDecay,
            ["foreach"] = forEach,
            ["maximize"] = maximize,
        };
        if (fused is not null) defaults["fused"] = fused;
        return defaults;
    }

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["variance"];

    /// <inheritdoc/>
    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    /// <inheritdoc/>
    protected override void SetGroupDefaults(ParamGroup group) => group.SetDefault("foreach", null);

    /// <summary>Besides the base checks, row_var and col_var must have the factored shapes of their param.</summary>
    protected override void ValidateLoadedState(Tensor param, int paramId, IReadOnlyDictionary<string, object?> state)
    {
        base.ValidateLoadedState(param, paramId, state);
        foreach (var (key, dim) in new[] { ("row_var", -1), ("col_var", -2) })
        {
            if (!state.TryGetValue(key, out var value) || value is null) continue;
            if (value is not Tensor t || param.Dim < 2 || !ShapeUtil.SameShape(t.ShapeRef, FactorShape(param.ShapeRef, dim)))
                throw StateProblem.AtLoad(paramId, key, $"of {StateValues.Describe(value)}, but a parameter of shape {ShapeUtil.Format(param.ShapeRef)} needs shape {(param.Dim < 2 ? "none" : ShapeUtil.Format(FactorShape(param.ShapeRef, dim)))}");
        }
    }

    /// <summary>The param's shape with <paramref name="dim"/> (-1 for row_var, -2 for col_var) reduced to 1.</summary>
    private static int[] FactorShape(int[] shape, int dim)
    {
        var s = (int[])shape.Clone();
        s[s.Length + dim] = 1;
        return s;
    }

    /// <summary>One parameter's state tensors: the step counter and either the factored pair or the full variance.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor? RowVar, Tensor? ColVar, Tensor? Variance);

    // Lists kept between steps and refilled per group, so that a steady-state step allocates nothing.
    private readonly List<Tensor> _params = [];
    private readonly List<ParamState> _states = [];

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => Gather(group, create: false);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group)
    {
        if (Gather(group, create: true) is not { } gathered) return;
        var (implementation, h) = gathered;
        switch (implementation)
        {
            case StepImplementation.Reference: Reference(_params, _states, h); break;
            case StepImplementation.ExactKernel: InOrderKernel<ExactMath>(_params, _states, h); break;
            default: ReorderedKernel<FusedMath>(_params, _states, h); break;
        }
    }

    /// <summary>
    /// Everything the step reads (parameters in <c>_params</c>, states in <c>_states</c>, the
    /// options), checked before it changes anything; null when no parameter has a gradient.
    /// </summary>
    private (StepImplementation, AdafactorHyper)? Gather(ParamGroup group, bool create)
    {
        var ps = ParamsWithGrad(group, _params, out bool anySparse);
        if (ps.Count == 0) return null;
        StepGuards.CheckNoSparseGrad(nameof(Adafactor), anySparse);

        var (eps1, eps2) = ReadEps(group["eps"]);
        // PyTorch's for-loop resolves a null epsilon1 from the first param it updates and keeps it for the rest of the group.
        var h = new AdafactorHyper(group.Lr, group.Peek("lr") is Tensor { DType: DType.Float32 }, group.GetDouble("beta2_decay"),
                                   eps1 ?? MachineEpsilon(ps[0].DType), eps2,
                                   group.GetDouble("d"), group.GetDouble("weight_decay"), group.GetBool("maximize"));
        var implementation = ResolveImplementation(group, hasSparseGrad: false);
        GatherStates(ps, _states, new StateSchema(), create, implementation == StepImplementation.Reference ? null : nameof(Adafactor));
        return (implementation, h);
    }

    /// <summary>
    /// A parameter's state: <c>step</c>, and the factored moments <c>row_var</c> and <c>col_var</c>
    /// for a gradient of two or more dimensions, or the full <c>variance</c> for a vector (PyTorch
    /// asserts the one the gradient needs, with the messages used here).
    /// </summary>
    private readonly struct StateSchema : IStepStateSchema<ParamState>
    {
        private const string FactorsMissing = "row_var and col_var should be defined when grad is multidimensional";
        private const string VarianceMissing = "variance should be defined when grad is a vector";

        public ParamState Read(in StepStateEntries e)
        {
            var step = e.Step();
            var grad = e.Param.Grad!;
            if (grad.Dim <= 1) return new(step, null, null, e.Shaped("variance", grad.ShapeRef, VarianceMissing));
            Span<int> shape = stackalloc int[grad.Dim];
            grad.ShapeRef.CopyTo(shape);
            shape[^1] = 1;
            var rowVar = e.Shaped("row_var", shape, FactorsMissing);
            (shape[^1], shape[^2]) = (grad.ShapeRef[^1], 1);
            return new(step, rowVar, e.Shaped("col_var", shape, FactorsMissing), null);
        }

        public bool LacksEntries(in ParamState state) => false;

        /// <summary>At zero, in PyTorch's key order, the moments in the gradient's dtype.</summary>
        public void Create(OrderedDictionary<string, object?> state, Tensor p)
        {
            var grad = p.Grad!;
            state["step"] = ScalarState.NewStep();
            if (grad.Dim > 1)
            {
                state["row_var"] = Torch.Zeros(FactorShape(grad.ShapeRef, -1), grad.DType);
                state["col_var"] = Torch.Zeros(FactorShape(grad.ShapeRef, -2), grad.DType);
            }
            else state["variance"] = Torch.ZerosLike(grad);
        }
    }

    /// <summary>PyTorch's <c>_single_tensor_adafactor</c>, operation for operation.</summary>
    private static void Reference(List<Tensor> ps, List<ParamState> states, AdafactorHyper h)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            var (param, state) = (ps[i], states[i]);
            var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
            var step = h.ForStep(ScalarState.Increment(state.Step));
            double alpha = step.Alpha(param.Norm().Item() / Math.Pow(param.Numel, 0.5), h.Eps2);
            if (h.WeightDecay != 0) param.Mul_(h.DecayFactor);

            Tensor varEstimate;
            if (grad.Dim > 1)
            {
                var (rowVar, colVar) = (state.RowVar!, state.ColVar!);
                rowVar.Lerp_(grad.Norm(2, -1, keepdim: true).Square_().Div_(grad.Size(-1)), step.OneMinusBeta2);
                colVar.Lerp_(grad.Norm(2, -2, keepdim: true).Square_().Div_(grad.Size(-2)), step.OneMinusBeta2);
                // PyTorch's row_var @ col_var has an inner dim of 1: an outer product, one rounded product per element.
                varEstimate = rowVar.Mul(colVar);
                varEstimate.Div_(rowVar.Mean(-2, keepdim: true).Clamp_(min: h.Eps1));
            }
            else
            {
                var variance = state.Variance!;
                variance.Lerp_(grad.Mul(grad), step.OneMinusBeta2);
                varEstimate = variance.Clone();
            }
            var update = varEstimate.Clamp_(min: h.Eps1 * h.Eps1).Rsqrt_();
            update.Mul_(grad);
            param.Add_(update, alpha: step.Scale(alpha, h.ClipDenominator(update.Norm().Item(), update.Numel)));
        }
    }

    /// <summary><c>torch.finfo(dtype).eps</c>: the gap between 1 and the next representable number.</summary>
    private static double MachineEpsilon(DType dtype) => dtype == DType.Float64 ? double.BitIncrement(1.0) - 1.0 : MathF.BitIncrement(1f) - 1f;

    /// <summary>The group's <c>eps</c>: a (double?, double) tuple, or a two-element list as a loaded state dict holds it.</summary>
    private static (double? Eps1, double Eps2) ReadEps(object? value) => value switch
    {
        ValueTuple<double?, double> pair => pair,   // the constructor's form, read without boxing through ITuple
        ITuple { Length: 2 } t => (ReadEps1(t[0]), OptionValues.ToDouble(t[1], "eps")),
        IList { Count: 2 } l => (ReadEps1(l[0]), OptionValues.ToDouble(l[1], "eps")),
        _ => throw new InvalidCastException($"option 'eps' is {StateValues.Describe(value)}, not a pair (epsilon1 or null, epsilon2)"),
    };

    private static double? ReadEps1(object? value) => value is null ? null : OptionValues.ToDouble(value, "eps");
}
