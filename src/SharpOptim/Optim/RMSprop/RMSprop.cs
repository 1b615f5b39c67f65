using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// RMSprop — PyTorch's <c>torch.optim.RMSprop</c>: steps divided by a running RMS of the gradients,
/// optionally centered (variance instead of second moment) and with momentum. State per parameter
/// (made at its first step): <c>step</c> (0-d float32 tensor), <c>square_avg</c>, and
/// <c>momentum_buffer</c> when <c>momentum &gt; 0</c>, <c>grad_avg</c> when centered. Sparse
/// gradients are refused, as in PyTorch.
/// </summary>
public sealed class RMSprop : Optimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a number or a one-element tensor (default 1e-2).</param>
    /// <param name="alpha">Smoothing constant of the running averages.</param>
    /// <param name="eps">Added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">L2 penalty.</param>
    /// <param name="momentum">Momentum factor.</param>
    /// <param name="centered">Normalise by the estimated variance of the gradient.</param>
    /// <param name="capturable">
    /// Accepted and stored for PyTorch compatibility (CUDA-graph capture). On the CPU it changes
    /// nothing here: the non-capturable math runs. (PyTorch itself refuses capturable CPU
    /// parameters at the first step.)
    /// </param>
    /// <param name="foreach">True: the kernel path with the reference's exact rounding. Null: the fastest path (the kernel with fused multiply-adds).</param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="differentiable">Record the step for autograd (reference path).</param>
    public RMSprop(IEnumerable<object> parameters, FloatOrTensor? lr = null, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0,
                   double momentum = 0, bool centered = false, bool capturable = false, bool? @foreach = null, bool maximize = false,
                   bool differentiable = false)
        : base(parameters, MakeDefaults(lr ?? 1e-2, alpha, eps, weightDecay, momentum, centered, capturable, @foreach, maximize, differentiable))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, double alpha, double eps, double weightDecay,
        double momentum, bool centered, bool capturable, bool? forEach, bool maximize, bool differentiable)
    {
        Validation.CheckLr(lr);
        Validation.CheckNonNegative(eps, "epsilon", nameof(eps));
        Validation.CheckNonNegative(momentum, "momentum", nameof(momentum));
        Validation.CheckNonNegative(weightDecay, "weight_decay", nameof(weightDecay));
        Validation.CheckNonNegative(alpha, "alpha", nameof(alpha));
        return new()
        {
            ["lr"] = lr.AsOption,
            ["momentum"] = momentum,
            ["alpha"] = alpha,
            ["eps"] = eps,
            ["centered"] = centered,
            ["weight_decay"] = weightDecay,
            ["capturable"] = capturable,
            ["foreach"] = forEach,
            ["maximize"] = maximize,
            ["differentiable"] = differentiable,
        };
    }

    protected override IEnumerable<string> ElementwiseStateKeys => ["square_avg", "momentum_buffer", "grad_avg"];

    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    protected override void SetGroupDefaults(ParamGroup group)
    {
        group.SetDefault("momentum", 0);
        group.SetDefault("centered", false);
        GroupDefaults.SetPathFlags(group);
    }

    /// <summary>One parameter's state tensors (<c>grad_avg</c> when centered, <c>momentum_buffer</c> with momentum).</summary>
    private readonly record struct ParamState(Tensor Step, Tensor SquareAvg, Tensor? GradAvg, Tensor? MomentumBuffer)
    {
        /// <summary>Records that the kernel wrote the state through spans.</summary>
        public void MarkModified()
        {
            SquareAvg.MarkModified();
            GradAvg?.MarkModified();
            MomentumBuffer?.MarkModified();
        }
    }

    // Lists kept between steps and refilled per group, so that a steady-state step allocates nothing.
    private readonly List<Tensor> _params = [];
    private readonly List<ParamState> _states = [];

    protected override void CheckGroup(ParamGroup group) => Gather(group, create: false);

    protected override void StepGroup(ParamGroup group)
    {
        if (Gather(group, create: true) is not { } gathered) return;
        var (implementation, h) = gathered;
        var (ps, states) = (_params, _states);
        for (int i = 0; i < states.Count; i++) ScalarState.Increment(states[i].Step);
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
    private (StepImplementation, RmspropHyper)? Gather(ParamGroup group, bool create)
    {
        var ps = ParamsWithGrad(group, _params, out bool anySparse);
        if (ps.Count == 0) return null;
        StepGuards.CheckNoSparseGrad(nameof(RMSprop), anySparse);
        TensorLr.RefuseRecordedRequiresGrad(group, "addcdiv_", "'value'");
        var h = new RmspropHyper(group.Lr, group.GetDouble("alpha"), group.GetDouble("eps"), group.GetDouble("weight_decay"),
                                 group.GetDouble("momentum"), group.GetBool("centered"), group.GetBool("maximize"));
        var implementation = ResolveImplementation(group, hasSparseGrad: false);
        GatherStates(ps, _states, new StateSchema(h), create, implementation == StepImplementation.Reference ? null : nameof(RMSprop));
        return (implementation, h);
    }

    /// <summary>
    /// A parameter's state: <c>step</c>, <c>square_avg</c>, <c>momentum_buffer</c> with momentum,
    /// <c>grad_avg</c> when centered. The two optional buffers are made with the state, as PyTorch
    /// makes them, and also later when the group's options change (where PyTorch would fail on the
    /// missing entry).
    /// </summary>
    private readonly struct StateSchema(RmspropHyper h) : IStepStateSchema<ParamState>
    {
        public ParamState Read(in StepStateEntries e)
            => new(e.Step(), e.Elementwise("square_avg"), h.Centered ? e.OptionalElementwise("grad_avg") : null,
                   h.Momentum > 0 ? e.OptionalElementwise("momentum_buffer") : null);

        public bool LacksEntries(in ParamState state)
            => (h.Momentum > 0 && state.MomentumBuffer is null) || (h.Centered && state.GradAvg is null);

        /// <summary>At zero, in PyTorch's key order; of an existing state, only the missing buffers.</summary>
        public void Create(OrderedDictionary<string, object?> state, Tensor p)
        {
            if (state.Count == 0)
            {
                state["step"] = ScalarState.NewStep();
                state["square_avg"] = Torch.ZerosLike(p);
            }
            if (h.Momentum > 0 && state.GetValueOrDefault("momentum_buffer") is null) state["momentum_buffer"] = Torch.ZerosLike(p);
            if (h.Centered && state.GetValueOrDefault("grad_avg") is null) state["grad_avg"] = Torch.ZerosLike(p);
        }
    }

    /// <summary>PyTorch's <c>_single_tensor_rmsprop</c>, operation for operation.</summary>
    private static void Reference(List<Tensor> ps, List<ParamState> states, RmspropHyper h, bool differentiable)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            var param = ps[i];
            var (_, squareAvg, gradAvg, buf) = states[i];
            var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
            if (h.WeightDecay != 0) grad = grad.Add(param, alpha: h.WeightDecay);
            squareAvg.Mul_(h.Alpha).Addcmul_(grad, grad, value: 1 - h.Alpha);
            Tensor avg;
            if (h.Centered)
            {
                gradAvg!.Lerp_(grad, 1 - h.Alpha);
                // Addcmul rounds once, as PyTorch's: an overflowing grad_avg² leaves inf, not inf − inf = NaN.
                avg = squareAvg.Addcmul(gradAvg, gradAvg, value: -1).Sqrt_();
            }
            else avg = squareAvg.Sqrt();
            avg = differentiable ? avg.Add(h.Eps) : avg.Add_(h.Eps);
            if (h.Momentum > 0)
            {
                buf!.Mul_(h.Momentum).Addcdiv_(grad, avg);
                param.Add_(buf, alpha: -h.Lr);
            }
            else param.Addcdiv_(grad, avg, value: -h.Lr);
        }
    }

    /// <summary>The single-pass kernel over every parameter of the group at once.</summary>
    private static void Kernel<TMath>(List<Tensor> ps, List<ParamState> states, RmspropHyper h) where TMath : IKernelMath
    {
        ElementwiseKernel.Run(ps, nameof(RMSprop), new Chunks<TMath>(ps, states, h));
    }

    private readonly struct Chunks<TMath>(List<Tensor> ps, List<ParamState> states, RmspropHyper h) : IElementwiseKernel
        where TMath : IKernelMath
    {
        public void Run<T>(int t, int start, int length) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var (p, s) = (ps[t], states[t]);
            if (start == 0) s.MarkModified();   // while its objects are in cache
            RmspropKernel.Step<T, TMath>(ElementwiseKernel.Chunk<T>(p, start, length), ElementwiseKernel.Chunk<T>(p.Grad!, start, length),
                ElementwiseKernel.Chunk<T>(s.SquareAvg, start, length), OptionalChunk<T>(s.GradAvg, start, length),
                OptionalChunk<T>(s.MomentumBuffer, start, length), h);
        }

        private static Span<T> OptionalChunk<T>(Tensor? tensor, int start, int length) where T : unmanaged
            => tensor is null ? default : ElementwiseKernel.Chunk<T>(tensor, start, length);
    }
}
