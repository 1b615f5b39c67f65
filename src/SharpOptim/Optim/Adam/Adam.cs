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
    public Adam(IEnumerable<object> parameters, FloatOrTensor? lr = null, (FloatOrTensor Beta1, FloatOrTensor Beta2)? betas = null,
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
        Validation.CheckLrRefusingNaN(lr);
        Validation.CheckNonNegative(eps, "epsilon", nameof(eps));
        AdamFamily.CheckBetaRange(betas.Beta1, 0);
        AdamFamily.CheckBetaRange(betas.Beta2, 1);
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
            ["betas"] = AdamFamily.BetasOption(betas.Beta1, betas.Beta2),
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

    protected override IEnumerable<string> ElementwiseStateKeys => ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"];

    protected override IEnumerable<string> ScalarStateKeys => ["step"];

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

    /// <summary>One group's options as a step reads them.</summary>
    private readonly record struct Hyper(FloatOrTensor Lr, FloatOrTensor Beta1, FloatOrTensor Beta2, double Eps, double WeightDecay,
        bool Amsgrad, bool Maximize, bool Decoupled, bool? ForEach, bool? Fused, bool Capturable, bool Differentiable)
    {
        public static Hyper Read(ParamGroup group)
        {
            var (beta1, beta2) = AdamFamily.ReadBetas(group);
            return new(AdamFamily.ReadLr(group), beta1, beta2, group.GetDouble("eps"), group.GetDouble("weight_decay"),
                       group.GetBool("amsgrad"), group.GetBool("maximize"), group.GetBool("decoupled_weight_decay"),
                       group.GetNullableBool("foreach"), group.GetNullableBool("fused"), group.GetBool("capturable"),
                       group.GetBool("differentiable"));
        }

        /// <summary>The step's scalars for a parameter at step <paramref name="step"/>, with the for-loop's or the fused kernel's arithmetic.</summary>
        public AdamScalars Scalars(double step, DType paramDType, bool fusedArithmetic)
        {
            HyperScalar lr = HyperScalar.Of(Lr), beta1 = HyperScalar.Of(Beta1), beta2 = HyperScalar.Of(Beta2);
            if (fusedArithmetic) (lr, beta1, beta2) = (lr.AsNumber(), beta1.AsNumber(), beta2.AsNumber());
            return AdamScalars.Compute(lr, beta1, beta2, Eps, WeightDecay, Decoupled, Maximize, Amsgrad, step, paramDType);
        }
    }

    /// <summary>One parameter's state tensors.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor ExpAvg, Tensor ExpAvgSq, Tensor? MaxExpAvgSq)
    {
        /// <summary>Records that the kernel wrote the moments through spans.</summary>
        public void MarkModified()
        {
            ExpAvg.MarkModified();
            ExpAvgSq.MarkModified();
            MaxExpAvgSq?.MarkModified();
        }
    }

    // Lists kept between steps and refilled per group, so that a steady-state step allocates nothing.
    private readonly List<Tensor> _params = [];
    private readonly List<ParamState> _states = [];
    private AdamScalars[] _scalars = [];

    protected override void CheckGroup(ParamGroup group) => Gather(group, create: false);

    protected override void StepGroup(ParamGroup group)
    {
        var (implementation, h) = Gather(group, create: true);
        var (ps, states) = (_params, _states);
        if (implementation == StepImplementation.Reference)
        {
            if (h.Differentiable) DifferentiableReference(ps, states, h);
            else Reference(ps, states, h);
        }
        // The default (fused unset) follows PyTorch's default, the for-loop, in its hyper-parameter arithmetic.
        else if (implementation == StepImplementation.ForEach) Kernel<ExactMath>(ps, states, h, fusedArithmetic: false);
        else Kernel<FusedMath>(ps, states, h, fusedArithmetic: h.Fused == true);
    }

    /// <summary>
    /// Everything the step reads, checked before it changes anything: the parameters with a
    /// gradient (in <c>_params</c>), the options, and every parameter's state (in <c>_states</c>).
    /// </summary>
    private (StepImplementation, Hyper) Gather(ParamGroup group, bool create)
    {
        var implementation = ResolveImplementation(group, hasSparseGrad: false);
        var ps = ParamsWithGrad(group, _params, out bool anySparse);
        if (anySparse)
            throw new InvalidOperationException("Adam does not support sparse gradients, please consider SparseAdam instead");
        var h = Hyper.Read(group);
        CheckStepFlags(ps, h);
        GatherStates(ps, _states, new StateSchema(h), create, implementation == StepImplementation.Reference ? null : nameof(Adam));
        return (implementation, h);
    }

    /// <summary>PyTorch's step-time refusals, checked before anything changes.</summary>
    private void CheckStepFlags(List<Tensor> ps, Hyper h)
    {
        if (h.ForEach == true && !h.Capturable)
        {
            if (h.Lr.IsTensor) throw new InvalidOperationException(TensorLrWithForeach);
            if (h.Beta1.IsTensor) throw new ArgumentException("beta1 as a Tensor is not supported for capturable=False and foreach=True");
            if (h.Beta2.IsTensor) throw new ArgumentException("beta2 as a Tensor is not supported for capturable=False and foreach=True");
        }
        if (!h.Differentiable) return;
        foreach (var p in ps)
            if (State.TryGetValue(p, out var s) && s.GetValueOrDefault("step") is Tensor { RequiresGrad: true })
                throw new InvalidOperationException("`requires_grad` is not supported for `step` in differentiable mode");
    }

    /// <summary>A parameter's state: <c>step</c>, the two moments and, with amsgrad, <c>max_exp_avg_sq</c> (PyTorch's KeyError when a checkpoint lacks it).</summary>
    private readonly struct StateSchema(Hyper h) : IStepStateSchema<ParamState>
    {
        public ParamState Read(in StepStateEntries e)
            => new(e.Step(), e.Elementwise("exp_avg"), e.Elementwise("exp_avg_sq"), h.Amsgrad ? e.Elementwise("max_exp_avg_sq") : null);

        public bool LacksEntries(in ParamState state) => false;

        /// <summary>At zero, in PyTorch's key order.</summary>
        public void Create(OrderedDictionary<string, object?> state, Tensor p)
        {
            state["step"] = ScalarState.NewStep(fused: h.Fused == true);
            state["exp_avg"] = Torch.ZerosLike(p);
            state["exp_avg_sq"] = Torch.ZerosLike(p);
            if (h.Amsgrad) state["max_exp_avg_sq"] = Torch.ZerosLike(p);
        }
    }

    /// <summary>
    /// Counts each parameter's step and computes its scalars in one pass, then runs the
    /// single-pass kernel over every parameter of the group at once.
    /// </summary>
    private void Kernel<TMath>(List<Tensor> ps, List<ParamState> states, Hyper h, bool fusedArithmetic) where TMath : IKernelMath
    {
        if (_scalars.Length < ps.Count) _scalars = new AdamScalars[ps.Count];
        for (int i = 0; i < ps.Count; i++)
        {
            double step = ScalarState.Increment(states[i].Step);
            // Parameters usually share their step count and dtype, and then their scalars.
            _scalars[i] = i > 0 && step == _scalars[i - 1].Step && ps[i].DType == ps[i - 1].DType
                ? _scalars[i - 1]
                : h.Scalars(step, ps[i].DType, fusedArithmetic);
        }
        ElementwiseKernel.Run(ps, nameof(Adam), new Chunks<TMath>(ps, states, _scalars));
    }

    private readonly struct Chunks<TMath>(List<Tensor> ps, List<ParamState> states, AdamScalars[] scalars) : IElementwiseKernel where TMath : IKernelMath
    {
        public void Run<T>(int tensor, int start, int length) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var (p, s) = (ps[tensor], states[tensor]);
            if (start == 0) s.MarkModified();
            AdamKernel.Step<T, TMath>(ElementwiseKernel.Chunk<T>(p, start, length), ElementwiseKernel.Chunk<T>(p.Grad!, start, length),
                ElementwiseKernel.Chunk<T>(s.ExpAvg, start, length), ElementwiseKernel.Chunk<T>(s.ExpAvgSq, start, length),
                s.MaxExpAvgSq is { } max ? ElementwiseKernel.Chunk<T>(max, start, length) : default, scalars[tensor]);
        }
    }
}
