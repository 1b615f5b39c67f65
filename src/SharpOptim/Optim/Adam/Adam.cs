using System.Numerics;
using System.Runtime.CompilerServices;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Adam — PyTorch's <c>torch.optim.Adam</c>, with AMSGrad, L2 or decoupled (AdamW) weight decay
/// and maximisation. State per parameter: <c>step</c> (a 0-d float tensor), <c>exp_avg</c>,
/// <c>exp_avg_sq</c> and, with <c>amsgrad</c>, <c>max_exp_avg_sq</c>. Sparse gradients are refused,
/// as in PyTorch.
/// </summary>
/// <remarks>
/// <para><c>lr</c> and the two <c>betas</c> may be numbers or one-element tensors (both betas the
/// same kind), as PyTorch allows. The reference and <c>foreach</c> paths compute with them as
/// PyTorch's for-loop does (a float32 tensor lr rounds the step size to float32), and so does the
/// default path. With <c>fused: true</c> they are read as numbers and the bias corrections computed
/// in double, as PyTorch's fused CPU kernel does; for tensor hyper-parameters the two PyTorch
/// implementations differ by more than rounding, and each of ours follows its own.</para>
/// <para><c>capturable</c> is accepted and stored but changes nothing: it concerns CUDA graph capture,
/// and on the CPU the non-capturable math runs (PyTorch itself refuses <c>capturable: true</c> with CPU
/// parameters except on its fused path). It still lifts the ban on a tensor lr or betas with
/// <c>foreach: true</c>, as in PyTorch.</para>
/// <para><c>differentiable: true</c> runs the reference path under autograd in the order of PyTorch's
/// differentiable branch, so gradients flow to the parameters' history, the gradients, the state and
/// a tensor lr or betas that require grad.</para>
/// </remarks>
public partial class Adam : Optimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a number or a one-element tensor (default 1e-3).</param>
    /// <param name="betas">Coefficients of the running averages of the gradient and its square: two numbers or two one-element tensors (default (0.9, 0.999)).</param>
    /// <param name="eps">Term added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">Weight decay: an L2 penalty, or decoupled with <paramref name="decoupledWeightDecay"/>.</param>
    /// <param name="amsgrad">Use the AMSGrad variant (keeps <c>max_exp_avg_sq</c>).</param>
    /// <param name="foreach">True: the kernel path with the reference's exact rounding. Null with <paramref name="fused"/> null: the fastest path.</param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="capturable">Accepted for PyTorch compatibility; a no-op on the CPU (see remarks).</param>
    /// <param name="differentiable">Record the step for autograd (reference path).</param>
    /// <param name="fused">True: the kernel path with fused multiply-adds and PyTorch's fused hyper-parameter arithmetic.</param>
    /// <param name="decoupledWeightDecay">Decay the parameters directly (AdamW) instead of adding an L2 term to the gradient.</param>
    public Adam(OptimizerParams parameters, FloatOrTensor? lr = null, (FloatOrTensor Beta1, FloatOrTensor Beta2)? betas = null,
                double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool? @foreach = null, bool maximize = false,
                bool capturable = false, bool differentiable = false, bool? fused = null, bool decoupledWeightDecay = false)
        : base(parameters, MakeDefaults(lr ?? 1e-3, betas ?? (0.9, 0.999), eps, weightDecay, amsgrad, @foreach, maximize,
                                        capturable, differentiable, fused, decoupledWeightDecay))
    {
        Validation.CheckFusedFlags(@foreach, fused, differentiable);
    }

    private const string TensorLrWithForeach = "lr as a Tensor is not supported for capturable=False and foreach=True";

    /// <summary>PyTorch's constructor checks, in its order, then the defaults in its key order.</summary>
    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, (FloatOrTensor Beta1, FloatOrTensor Beta2) betas,
        double eps, double weightDecay, bool amsgrad, bool? forEach, bool maximize, bool capturable, bool differentiable, bool? fused,
        bool decoupledWeightDecay)
    {
        if (lr.IsTensor && forEach == true && !capturable) throw new ArgumentException(TensorLrWithForeach, nameof(lr));
        Validation.CheckLr(lr);
        Validation.CheckNonNegative(eps, "epsilon", nameof(eps));
        AdamFamilyOptions.CheckBetaRange(betas.Beta1, 0);
        AdamFamilyOptions.CheckBetaRange(betas.Beta2, 1);
        Validation.CheckNonNegative(weightDecay, "weight_decay", nameof(weightDecay));
        if (betas.Beta1.IsTensor != betas.Beta2.IsTensor)
            throw new ArgumentException("betas must be either both floats or both Tensors", nameof(betas));
        // PyTorch goes on to check betas[1] the same way and both for one element; the checks above
        // already refuse everything those would.
        if (betas.Beta1.IsTensor && forEach == true && !capturable)
            throw new ArgumentException("betas[0] as a Tensor is not supported for capturable=False and foreach=True", nameof(betas));
        return new()
        {
            ["lr"] = lr.AsOption,
            ["betas"] = AdamFamilyOptions.BetasOption(betas.Beta1, betas.Beta2),
            ["eps"] = eps,
            ["weight_decay"] = weightDecay,
            ["amsgrad"] = amsgrad,
            ["maximize"] = maximize,
            ["foreach"] = forEach,
            ["capturable"] = capturable,
            ["differentiable"] = differentiable,
            ["fused"] = fused,
            ["decoupled_weight_decay"] = decoupledWeightDecay,
        };
    }

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"];

    /// <inheritdoc/>
    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    /// <inheritdoc/>
    protected override void SetGroupDefaults(ParamGroup group)
    {
        group.SetDefault("amsgrad", false);
        group.SetDefault("maximize", false);
        group.SetDefault("foreach", null);
        group.SetDefault("capturable", false);
        group.SetDefault("differentiable", false);
        group.SetDefault("decoupled_weight_decay", false);
        group.SetDefault("fused", null);
    }

    private readonly ElementwiseSteps<Algorithm, ParamState, Hyper, AdamScalars> _steps = new();

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => _steps.Check(this, group);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group) => _steps.Step(this, group);

    /// <summary>One group's options as a step reads them, and the path it takes.</summary>
    private readonly record struct Hyper(FloatOrTensor Lr, FloatOrTensor Beta1, FloatOrTensor Beta2, double Eps, double WeightDecay,
        bool Amsgrad, bool Maximize, bool Decoupled, bool? ForEach, bool? Fused, bool Capturable, bool Differentiable)
    {
        public static Hyper Read(ParamGroup group)
        {
            var (beta1, beta2) = AdamFamilyOptions.ReadBetas(group);
            return new(FloatOrTensor.ReadLr(group), beta1, beta2, group.GetDouble("eps"), group.GetDouble("weight_decay"),
                       group.GetBool("amsgrad"), group.GetBool("maximize"), group.GetBool("decoupled_weight_decay"),
                       group.GetNullableBool("foreach"), group.GetNullableBool("fused"), group.GetBool("capturable"),
                       group.GetBool("differentiable"));
        }

        /// <summary>
        /// Whether the kernel computes its scalars as PyTorch's fused kernel (hyper-parameters read
        /// as numbers, in double): only with <c>fused: true</c>. The default follows PyTorch's
        /// default, the for-loop, in its hyper-parameter arithmetic.
        /// </summary>
        public bool FusedArithmetic => Fused == true;

        /// <summary>The step's scalars for a parameter at step <paramref name="step"/>, with the for-loop's or the fused kernel's arithmetic.</summary>
        public AdamScalars Scalars(double step, DType paramDType, bool fusedArithmetic)
        {
            HyperScalar lr = HyperScalar.Of(Lr), beta1 = HyperScalar.Of(Beta1), beta2 = HyperScalar.Of(Beta2);
            if (fusedArithmetic) (lr, beta1, beta2) = (lr.AsNumber(), beta1.AsNumber(), beta2.AsNumber());
            return AdamScalars.Compute(lr, beta1, beta2, Eps, WeightDecay, Decoupled, Maximize, Amsgrad, step, paramDType);
        }
    }

    /// <summary>One parameter's state tensors.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor ExpAvg, Tensor ExpAvgSq, Tensor? MaxExpAvgSq) : IElementwiseState
    {
        Tensor? IElementwiseState.Step => Step;

        public KernelBuffers Buffers => new(ExpAvg, ExpAvgSq, MaxExpAvgSq);
    }

    /// <summary>Adam's options, state, reference paths and kernel math, for the shared skeleton.</summary>
    private readonly struct Algorithm : IElementwiseAlgorithm<ParamState, Hyper, AdamScalars>
    {
        public static string Name => nameof(Adam);

        public static Hyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
        {
            if (anySparse)
                throw new InvalidOperationException("Adam does not support sparse gradients, please consider SparseAdam instead");
            var h = Hyper.Read(group);
            CheckStepFlags(owner, ps, h);
            return h;
        }

        /// <summary>PyTorch's step-time refusals, checked before anything changes.</summary>
        private static void CheckStepFlags(Optimizer owner, List<Tensor> ps, Hyper h)
        {
            if (h.ForEach == true && !h.Capturable)
            {
                if (h.Lr.IsTensor) throw new InvalidOperationException(TensorLrWithForeach);
                if (h.Beta1.IsTensor) throw new ArgumentException("beta1 as a Tensor is not supported for capturable=False and foreach=True");
                if (h.Beta2.IsTensor) throw new ArgumentException("beta2 as a Tensor is not supported for capturable=False and foreach=True");
            }
            if (!h.Differentiable) return;
            foreach (var p in ps)
                if (owner.State.TryGetValue(p, out var s) && s.GetValueOrDefault("step") is Tensor { RequiresGrad: true })
                    throw new InvalidOperationException("`requires_grad` is not supported for `step` in differentiable mode");
        }

        /// <summary><c>step</c>, the two moments and, with amsgrad, <c>max_exp_avg_sq</c> (PyTorch's KeyError when a checkpoint lacks it).</summary>
        public static ParamState ReadState(in StepStateEntries e, in Hyper h)
            => new(e.Step(), e.Elementwise("exp_avg"), e.Elementwise("exp_avg_sq"), h.Amsgrad ? e.Elementwise("max_exp_avg_sq") : null);

        /// <summary>At zero, in PyTorch's key order.</summary>
        public static void CreateState(OrderedDictionary<string, object?> state, Tensor p, in Hyper h)
        {
            state["step"] = ScalarState.NewStep(fused: h.Fused == true);
            state["exp_avg"] = Torch.ZerosLike(p);
            state["exp_avg_sq"] = Torch.ZerosLike(p);
            if (h.Amsgrad) state["max_exp_avg_sq"] = Torch.ZerosLike(p);
        }

        public static void Reference(List<Tensor> ps, List<ParamState> states, in Hyper h)
        {
            if (h.Differentiable) DifferentiableReference(ps, states, h);
            else Adam.Reference(ps, states, h);
        }

        public static AdamScalars Scalars(in ParamState state, Tensor param, double step, in Hyper h, in AdamScalars previous, bool hasPrevious)
            => hasPrevious && step == previous.Step && param.DType == previous.DType ? previous : h.Scalars(step, param.DType, h.FusedArithmetic);

        public static void Chunk<T, TMath, TVec>(in AdamScalars s, in ElementChunk<T> chunk)
            where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
            => ElementwiseDriver<T, TVec>.Run(new Op<T, TMath, TVec>(s), chunk);
    }

    /// <summary>
    /// One vector of Adam (and AdamW): the reference path's operations in its order; each
    /// multiply-add is one tensor op of the reference (<c>add(alpha=)</c>, <c>addcmul_</c>,
    /// <c>lerp_</c>), rounded once in either numerics mode. Buffers: exp_avg, exp_avg_sq, max_exp_avg_sq.
    /// </summary>
    private readonly struct Op<T, TMath, TVec>(AdamScalars s) : IElementOp<T, TVec>
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
    {
        private readonly DecayedMoments<T, TVec> _moments = new(s.LerpWeight, s.Beta2, s.OneMinusBeta2, s.WeightDecay, s.DecayFactor, s.Maximize);
        private readonly TVec _bc2Sqrt = TVec.Create(T.CreateTruncating(s.Bc2Sqrt)), _eps = TVec.Create(T.CreateTruncating(s.Eps)),
            _negStepSize = TVec.Create(T.CreateTruncating(-s.StepSize));
        private readonly bool _amsgrad = s.Amsgrad;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref TVec p, TVec g, ref TVec expAvg, ref TVec expAvgSq, ref TVec maxExpAvgSq)
        {
            _moments.Apply(ref p, ref g, ref expAvg, ref expAvgSq);
            var v = expAvgSq;
            if (_amsgrad) v = maxExpAvgSq = AdamFamilyMath.Maximum(maxExpAvgSq, v);
            var denom = TVec.Sqrt(v) / _bc2Sqrt + _eps;
            p += _negStepSize * expAvg / denom;
        }
    }
}
