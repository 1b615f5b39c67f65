using System.Numerics;
using System.Runtime.CompilerServices;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Adamax, Adam's infinity-norm variant — PyTorch's <c>torch.optim.Adamax</c>. State per parameter:
/// <c>step</c> (a 0-d float tensor), <c>exp_avg</c> and <c>exp_inf</c>. Sparse gradients are refused,
/// as in PyTorch. PyTorch has no fused Adamax: with <c>foreach</c> unset the fused-rounding kernel
/// runs (the fastest path), computing its scalars as PyTorch's for-loop does.
/// </summary>
/// <remarks>
/// <para><c>capturable</c> is accepted and stored but changes nothing on the CPU, where the
/// non-capturable math runs (PyTorch refuses <c>capturable: true</c> with CPU parameters).</para>
/// <para><c>differentiable: true</c> runs the reference path under autograd. As in PyTorch the
/// step size <c>-lr / (1 - beta1^t)</c> enters as a plain number, so a tensor lr that requires grad
/// is refused there with PyTorch's error.</para>
/// </remarks>
public sealed class Adamax : Optimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a number or a one-element tensor (default 2e-3).</param>
    /// <param name="betas">Coefficients of the running average of the gradient and of the decay of the infinity norm (default (0.9, 0.999)).</param>
    /// <param name="eps">Term added to the infinity norm for numerical stability.</param>
    /// <param name="weightDecay">L2 penalty.</param>
    /// <param name="foreach">True: the kernel path with the reference's exact rounding; false: the reference path; null: the fastest path.</param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="differentiable">Record the step for autograd (reference path).</param>
    /// <param name="capturable">Accepted for PyTorch compatibility; a no-op on the CPU.</param>
    public Adamax(OptimizerParams parameters, FloatOrTensor? lr = null, (double Beta1, double Beta2)? betas = null,
                  double eps = 1e-8, double weightDecay = 0, bool? @foreach = null, bool maximize = false,
                  bool differentiable = false, bool capturable = false)
        : base(parameters, MakeDefaults(lr ?? 2e-3, betas ?? (0.9, 0.999), eps, weightDecay, @foreach, maximize, differentiable, capturable))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, (double Beta1, double Beta2) betas, double eps,
        double weightDecay, bool? forEach, bool maximize, bool differentiable, bool capturable)
    {
        Validation.CheckLr(lr);
        Validation.CheckNonNegative(eps, "epsilon", nameof(eps));
        AdamFamilyOptions.CheckBetaRange(betas.Beta1, 0);
        AdamFamilyOptions.CheckBetaRange(betas.Beta2, 1);
        Validation.CheckNonNegative(weightDecay, "weight_decay", nameof(weightDecay));
        return new()
        {
            ["lr"] = lr.AsOption,
            ["betas"] = betas,
            ["eps"] = eps,
            ["weight_decay"] = weightDecay,
            ["foreach"] = forEach,
            ["maximize"] = maximize,
            ["differentiable"] = differentiable,
            ["capturable"] = capturable,
        };
    }

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["exp_avg", "exp_inf"];

    /// <inheritdoc/>
    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    /// <inheritdoc/>
    protected override void SetGroupDefaults(ParamGroup group) => GroupDefaults.SetPathFlags(group);

    /// <summary>One group's options as a step reads them.</summary>
    private readonly record struct Hyper(FloatOrTensor Lr, FloatOrTensor Beta1, FloatOrTensor Beta2, double Eps, double WeightDecay,
        bool Maximize, bool Differentiable)
    {
        public static Hyper Read(ParamGroup group)
        {
            var (beta1, beta2) = AdamFamilyOptions.ReadBetas(group);
            return new(FloatOrTensor.ReadLr(group), beta1, beta2, group.GetDouble("eps"), group.GetDouble("weight_decay"),
                       group.GetBool("maximize"), group.GetBool("differentiable"));
        }

        public AdamaxScalars Scalars(double step)
            => AdamaxScalars.Compute(HyperScalar.Of(Lr), HyperScalar.Of(Beta1), HyperScalar.Of(Beta2), Eps, WeightDecay, Maximize, step);
    }

    /// <summary>One parameter's state tensors.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor ExpAvg, Tensor ExpInf) : IElementwiseState
    {
        Tensor? IElementwiseState.Step => Step;

        public KernelBuffers Buffers => new(ExpAvg, ExpInf);
    }

    private readonly ElementwiseSteps<Algorithm, ParamState, Hyper, AdamaxScalars> _steps = new();

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => _steps.Check(this, group);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group) => _steps.Step(this, group);

    /// <summary>Adamax's options, state, reference path and kernel math, for the shared skeleton.</summary>
    private readonly struct Algorithm : IElementwiseAlgorithm<ParamState, Hyper, AdamaxScalars>
    {
        public static string Name => nameof(Adamax);

        public static Hyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
        {
            StepGuards.CheckNoSparseGrad(Name, anySparse);
            var h = Hyper.Read(group);
            // The step size reaches addcdiv_ as a number: under autograd a tensor lr requiring grad cannot become one.
            if (h.Differentiable && h.Lr.Tensor is { RequiresGrad: true })
                throw new ArgumentException("addcdiv_(): argument 'value' must be Number, not Tensor");
            return h;
        }

        public static ParamState ReadState(in StepStateEntries e, in Hyper h) => new(e.Step(), e.Elementwise("exp_avg"), e.Elementwise("exp_inf"));

        /// <summary>At zero, in PyTorch's key order.</summary>
        public static void CreateState(OrderedDictionary<string, object?> state, Tensor p, in Hyper h)
        {
            state["step"] = ScalarState.NewStep();
            state["exp_avg"] = Torch.ZerosLike(p);
            state["exp_inf"] = Torch.ZerosLike(p);
        }

        /// <summary>PyTorch's <c>_single_tensor_adamax</c>, operation for operation.</summary>
        public static void Reference(List<Tensor> ps, List<ParamState> states, in Hyper h)
        {
            for (int i = 0; i < ps.Count; i++)
            {
                var (param, st) = (ps[i], states[i]);
                var s = h.Scalars(ScalarState.Increment(st.Step));
                var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
                if (h.WeightDecay != 0) grad = grad.Add(param, alpha: h.WeightDecay);
                st.ExpAvg.Lerp_(grad, s.LerpWeight);
                var decayed = st.ExpInf.Mul_(s.Beta2);
                var bound = grad.Abs().Add_(h.Eps);
                // PyTorch's differentiable branch takes amax over copies of both; the maximum of a copy
                // has the same value and gradient, without reading exp_inf while it is overwritten.
                st.ExpInf.Copy_((h.Differentiable ? decayed.Clone() : decayed).Maximum(bound));
                param.Addcdiv_(st.ExpAvg, st.ExpInf, value: -s.StepSize);
            }
        }

        /// <summary>The scalars depend on the step alone, which parameters usually share.</summary>
        public static AdamaxScalars Scalars(in ParamState state, Tensor param, double step, in Hyper h, in AdamaxScalars previous, bool hasPrevious)
            => hasPrevious && step == previous.Step ? previous : h.Scalars(step);

        public static void Chunk<T, TMath, TVec>(in AdamaxScalars s, in ElementChunk<T> chunk)
            where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
            => ElementwiseDriver<T, TVec>.Run(new Op<T, TMath, TVec>(s), chunk);
    }

    /// <summary>One vector of Adamax, in the reference path's order of operations. Buffers: exp_avg, exp_inf.</summary>
    private readonly struct Op<T, TMath, TVec>(AdamaxScalars s) : IElementOp<T, TVec>
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
    {
        private readonly TVec _wd = TVec.Create(T.CreateTruncating(s.WeightDecay)), _beta2 = TVec.Create(T.CreateTruncating(s.Beta2)),
            _eps = TVec.Create(T.CreateTruncating(s.Eps)), _negStepSize = TVec.Create(T.CreateTruncating(-s.StepSize));
        private readonly LerpWeight<T> _lerp = new(s.LerpWeight);
        private readonly bool _l2 = s.WeightDecay != 0, _maximize = s.Maximize;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref TVec p, TVec g, ref TVec expAvg, ref TVec expInf, ref TVec unused)
        {
            if (_maximize) g = -g;
            if (_l2) g = TVec.MulAdd(_wd, p, g);
            expAvg = _lerp.Apply(expAvg, g);
            expInf = AdamFamilyMath.Maximum(expInf * _beta2, TVec.Abs(g) + _eps);
            p += _negStepSize * expAvg / expInf;
        }
    }
}
