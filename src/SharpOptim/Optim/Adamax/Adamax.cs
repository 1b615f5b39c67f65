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
    public Adamax(IEnumerable<object> parameters, FloatOrTensor? lr = null, (double Beta1, double Beta2)? betas = null,
                  double eps = 1e-8, double weightDecay = 0, bool? @foreach = null, bool maximize = false,
                  bool differentiable = false, bool capturable = false)
        : base(parameters, MakeDefaults(lr ?? 2e-3, betas ?? (0.9, 0.999), eps, weightDecay, @foreach, maximize, differentiable, capturable))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, (double Beta1, double Beta2) betas, double eps,
        double weightDecay, bool? forEach, bool maximize, bool differentiable, bool capturable)
    {
        Validation.CheckLrRefusingNaN(lr);
        Validation.CheckNonNegative(eps, "epsilon", nameof(eps));
        AdamFamily.CheckBetaRange(betas.Beta1, 0);
        AdamFamily.CheckBetaRange(betas.Beta2, 1);
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

    protected override IEnumerable<string> ElementwiseStateKeys => ["exp_avg", "exp_inf"];

    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    protected override void SetGroupDefaults(ParamGroup group) => GroupDefaults.SetPathFlags(group);

    /// <summary>One group's options as a step reads them.</summary>
    private readonly record struct Hyper(FloatOrTensor Lr, FloatOrTensor Beta1, FloatOrTensor Beta2, double Eps, double WeightDecay,
        bool Maximize, bool Differentiable)
    {
        public static Hyper Read(ParamGroup group)
        {
            var (beta1, beta2) = AdamFamily.ReadBetas(group);
            return new(AdamFamily.ReadLr(group), beta1, beta2, group.GetDouble("eps"), group.GetDouble("weight_decay"),
                       group.GetBool("maximize"), group.GetBool("differentiable"));
        }

        public AdamaxScalars Scalars(double step)
            => AdamaxScalars.Compute(HyperScalar.Of(Lr), HyperScalar.Of(Beta1), HyperScalar.Of(Beta2), Eps, WeightDecay, Maximize, step);
    }

    /// <summary>One parameter's state tensors.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor ExpAvg, Tensor ExpInf)
    {
        /// <summary>Records that the kernel wrote the state through spans.</summary>
        public void MarkModified()
        {
            ExpAvg.MarkModified();
            ExpInf.MarkModified();
        }
    }

    // Lists kept between steps and refilled per group, so that a steady-state step allocates nothing.
    private readonly List<Tensor> _params = [];
    private readonly List<ParamState> _states = [];
    private AdamaxScalars[] _scalars = [];

    protected override void CheckGroup(ParamGroup group) => Gather(group, create: false);

    protected override void StepGroup(ParamGroup group)
    {
        var (implementation, h) = Gather(group, create: true);
        switch (implementation)
        {
            case StepImplementation.Reference: Reference(_params, _states, h); break;
            case StepImplementation.ForEach: Kernel<ExactMath>(_params, _states, h); break;
            default: Kernel<FusedMath>(_params, _states, h); break;
        }
    }

    /// <summary>Everything the step reads (parameters in <c>_params</c>, states in <c>_states</c>), checked before it changes anything.</summary>
    private (StepImplementation, Hyper) Gather(ParamGroup group, bool create)
    {
        var ps = ParamsWithGrad(group, _params, out bool anySparse);
        StepGuards.CheckNoSparseGrad(nameof(Adamax), anySparse);
        var h = Hyper.Read(group);
        // The step size reaches addcdiv_ as a number: under autograd a tensor lr requiring grad cannot become one.
        if (h.Differentiable && h.Lr.Tensor is { RequiresGrad: true })
            throw new ArgumentException("addcdiv_(): argument 'value' must be Number, not Tensor");
        var implementation = ResolveImplementation(group, hasSparseGrad: false);
        GatherStates(ps, _states, new StateSchema(), create, implementation == StepImplementation.Reference ? null : nameof(Adamax));
        return (implementation, h);
    }

    /// <summary>A parameter's state: <c>step</c>, <c>exp_avg</c>, <c>exp_inf</c>.</summary>
    private readonly struct StateSchema : IStepStateSchema<ParamState>
    {
        public ParamState Read(in StepStateEntries e) => new(e.Step(), e.Elementwise("exp_avg"), e.Elementwise("exp_inf"));

        public bool LacksEntries(in ParamState state) => false;

        /// <summary>At zero, in PyTorch's key order.</summary>
        public void Create(OrderedDictionary<string, object?> state, Tensor p)
        {
            state["step"] = ScalarState.NewStep();
            state["exp_avg"] = Torch.ZerosLike(p);
            state["exp_inf"] = Torch.ZerosLike(p);
        }
    }

    /// <summary>PyTorch's <c>_single_tensor_adamax</c>, operation for operation.</summary>
    private static void Reference(List<Tensor> ps, List<ParamState> states, Hyper h)
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

    /// <summary>The single-pass kernel over every parameter of the group at once.</summary>
    private void Kernel<TMath>(List<Tensor> ps, List<ParamState> states, Hyper h) where TMath : IKernelMath
    {
        if (_scalars.Length < ps.Count) _scalars = new AdamaxScalars[ps.Count];
        double previousStep = double.NaN;
        for (int i = 0; i < ps.Count; i++)
        {
            double step = ScalarState.Increment(states[i].Step);
            // Parameters usually share their step count, and then their scalars (which depend on nothing else).
            _scalars[i] = step == previousStep ? _scalars[i - 1] : h.Scalars(step);
            previousStep = step;
        }
        ElementwiseKernel.Run(ps, nameof(Adamax), new Chunks<TMath>(ps, states, _scalars));
    }

    private readonly struct Chunks<TMath>(List<Tensor> ps, List<ParamState> states, AdamaxScalars[] scalars) : IElementwiseKernel where TMath : IKernelMath
    {
        public void Run<T>(int tensor, int start, int length) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var (p, s) = (ps[tensor], states[tensor]);
            if (start == 0) s.MarkModified();   // while its objects are in cache
            AdamaxKernel.Step<T, TMath>(ElementwiseKernel.Chunk<T>(p, start, length), ElementwiseKernel.Chunk<T>(p.Grad!, start, length),
                ElementwiseKernel.Chunk<T>(s.ExpAvg, start, length), ElementwiseKernel.Chunk<T>(s.ExpInf, start, length), scalars[tensor]);
        }
    }
}
