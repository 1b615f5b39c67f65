using System.Numerics;
using System.Runtime.CompilerServices;
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
    public Adagrad(OptimizerParams parameters, FloatOrTensor? lr = null, double lrDecay = 0, double weightDecay = 0,
                   double initialAccumulatorValue = 0, double eps = 1e-10, bool? @foreach = null, bool maximize = false,
                   bool differentiable = false, bool? fused = null)
        : base(parameters, MakeDefaults(lr ?? 1e-2, lrDecay, weightDecay, initialAccumulatorValue, eps, @foreach, maximize, differentiable, fused))
    {
        Validation.CheckFusedFlags(@foreach, fused, differentiable);
        foreach (var group in ParamGroups)
            foreach (var p in group.Params) InitState(StateFor(p), p, fused: group.GetNullableBool("fused") == true, initialAccumulatorValue);
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

    private static void InitState(OrderedDictionary<string, object?> state, Tensor p, bool fused, double initialAccumulatorValue)
    {
        state["step"] = ScalarState.NewStep(fused);
        state["sum"] = Torch.FullLike(p, initialAccumulatorValue);
    }

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["sum"];

    /// <inheritdoc/>
    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    /// <inheritdoc/>
    protected override void SetGroupDefaults(ParamGroup group)
    {
        group.SetDefault("foreach", null);
        group.SetDefault("maximize", false);
        group.SetDefault("differentiable", false);
        group.SetDefault("fused", null);
    }

    private readonly ElementwiseSteps<Algorithm, ParamState, Hyper, Scalars> _steps = new();

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => _steps.Check(this, group);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group) => _steps.Step(this, group);

    /// <summary>One parameter's step counter and <c>sum</c>.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor Sum) : IElementwiseState
    {
        Tensor? IElementwiseState.Step => Step;

        public KernelBuffers Buffers => new(Sum);
    }

    /// <summary>
    /// One group's options as a step reads them; <see cref="Fused"/> and
    /// <see cref="InitialAccumulatorValue"/> (the optimizer's default) make a new parameter's state.
    /// </summary>
    private readonly record struct Hyper(HyperScalar Lr, double LrDecay, double WeightDecay, double Eps, bool Maximize, bool Differentiable,
                                         bool Fused, double InitialAccumulatorValue);

    /// <summary>The kernel's scalars for one parameter: the options, its step, and its decayed learning rate.</summary>
    private readonly record struct Scalars(Hyper H, double Step, double Clr);

    /// <summary>Adagrad's options, state, reference path and kernel math, for the shared skeleton.</summary>
    private readonly struct Algorithm : IElementwiseAlgorithm<ParamState, Hyper, Scalars>
    {
        public static string Name => nameof(Adagrad);

        /// <summary>With no gradient in the group, nothing is read or refused.</summary>
        public static Hyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
        {
            if (ps.Count == 0) return default;
            double lrDecay = group.GetDouble("lr_decay"), weightDecay = group.GetDouble("weight_decay"), eps = group.GetDouble("eps");
            bool maximize = group.GetBool("maximize");
            CheckStep(group, anySparse, weightDecay);
            return new(HyperScalar.Of(FloatOrTensor.ReadLr(group)), lrDecay, weightDecay, eps, maximize, group.GetBool("differentiable"),
                       group.GetNullableBool("fused") == true,
                       OptionValues.ToDouble(owner.Defaults["initial_accumulator_value"], "initial_accumulator_value"));
        }

        public static ParamState ReadState(in StepStateEntries e, in Hyper h) => new(e.Step(), e.Elementwise("sum"));

        /// <summary>A parameter added after construction gets its state at its first step, from the optimizer's defaults (as PyTorch).</summary>
        public static void CreateState(OrderedDictionary<string, object?> state, Tensor p, in Hyper h)
            => InitState(state, p, h.Fused, h.InitialAccumulatorValue);

        /// <summary>PyTorch's <c>_single_tensor_adagrad</c>, operation for operation.</summary>
        public static void Reference(List<Tensor> ps, List<ParamState> states, in Hyper h)
        {
            for (int i = 0; i < ps.Count; i++)
            {
                var param = ps[i];
                var (step, sum) = states[i];
                double clr = DecayedLr(h.Lr, ScalarState.Increment(step), h.LrDecay);
                var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
                if (h.WeightDecay != 0) grad = grad.Add(param, alpha: h.WeightDecay);
                if (grad.IsSparse)
                {
                    SparseUpdate(param, grad, sum, clr, h.Eps);
                    continue;
                }
                sum.Addcmul_(grad, grad, value: 1);
                var std = h.Differentiable ? sum.Sqrt().Add(h.Eps) : sum.Sqrt().Add_(h.Eps);
                param.Addcdiv_(grad, std, value: -clr);
            }
        }

        /// <summary>Parameters usually share their step count, and then their decayed lr.</summary>
        public static Scalars Scalars(in ParamState state, Tensor param, double step, in Hyper h, in Scalars previous, bool hasPrevious)
            => hasPrevious && previous.Step == step ? previous : new(h, step, DecayedLr(h.Lr, step, h.LrDecay));

        public static void Chunk<T, TMath, TVec>(in Scalars scalars, in ElementChunk<T> chunk)
            where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
            => ElementwiseDriver<T, TVec>.Run(new Op<T, TMath, TVec>(scalars.H, scalars.Clr), chunk);
    }

    /// <summary>PyTorch's step-time refusals, checked before anything changes.</summary>
    private static void CheckStep(ParamGroup group, bool hasSparseGrad, double weightDecay)
    {
        if (hasSparseGrad && group.GetNullableBool("fused") == true)
            throw new InvalidOperationException("`fused` does not support sparse grad or complex param");
        if (hasSparseGrad && weightDecay != 0)
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

    /// <summary>
    /// One vector of Adagrad's dense update: <c>g = ±grad (+ wd·p)</c>, <c>sum += g·g</c>,
    /// <c>p += -clr·g / (√sum + eps)</c>, with <c>clr</c> the parameter's decayed learning rate. The
    /// reference's operations in its order; <c>sum + g·g</c> (an <c>addcmul_</c>) and the weight decay
    /// (an <c>add(alpha=)</c>) round once in either numerics mode.
    /// </summary>
    private readonly struct Op<T, TMath, TVec>(Hyper h, double clr) : IElementOp<T, TVec>
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
    {
        // Scalars cast to the element type first, as PyTorch's CPU kernels cast alpha/value.
        private readonly TVec _wd = TVec.Create(T.CreateTruncating(h.WeightDecay)), _eps = TVec.Create(T.CreateTruncating(h.Eps)),
            _negClr = TVec.Create(T.CreateTruncating(-clr));
        private readonly bool _decay = h.WeightDecay != 0, _maximize = h.Maximize;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref TVec p, TVec g, ref TVec sum, ref TVec unused, ref TVec unused2)
        {
            if (_maximize) g = -g;
            if (_decay) g = TVec.MulAdd(_wd, p, g);
            sum = TVec.MulAdd(g, g, sum);
            p += _negClr * g / (TVec.Sqrt(sum) + _eps);
        }
    }
}
