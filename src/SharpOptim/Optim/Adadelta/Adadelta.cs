using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Adadelta — PyTorch's <c>torch.optim.Adadelta</c>: steps scaled by the ratio of running RMS of
/// past updates to running RMS of gradients. State per parameter (made at its first step):
/// <c>step</c> (0-d float32 tensor), <c>square_avg</c>, <c>acc_delta</c>. Sparse gradients are
/// refused, as in PyTorch.
/// </summary>
public sealed class Adadelta : Optimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Coefficient scaling delta before it is applied, a number or a one-element tensor (default 1.0).</param>
    /// <param name="rho">Decay of the running averages, in [0, 1].</param>
    /// <param name="eps">Added inside the square roots for numerical stability.</param>
    /// <param name="weightDecay">L2 penalty.</param>
    /// <param name="foreach">True: the kernel path with the reference's exact rounding. Null: the fastest path (the kernel with fused multiply-adds).</param>
    /// <param name="capturable">
    /// Accepted and stored for PyTorch compatibility (CUDA-graph capture). On the CPU it changes
    /// nothing here: the non-capturable math runs. (PyTorch itself refuses capturable CPU
    /// parameters at the first step.)
    /// </param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="differentiable">Record the step for autograd (reference path).</param>
    public Adadelta(IEnumerable<object> parameters, FloatOrTensor? lr = null, double rho = 0.9, double eps = 1e-6, double weightDecay = 0,
                    bool? @foreach = null, bool capturable = false, bool maximize = false, bool differentiable = false)
        : base(parameters, MakeDefaults(lr ?? 1.0, rho, eps, weightDecay, @foreach, capturable, maximize, differentiable))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, double rho, double eps, double weightDecay,
        bool? forEach, bool capturable, bool maximize, bool differentiable)
    {
        Validation.CheckLrRefusingNaN(lr);
        if (!(rho >= 0 && rho <= 1)) throw new ArgumentOutOfRangeException(nameof(rho), rho, $"Invalid rho value: {PyRepr.Number(rho)}");
        Validation.CheckNonNegative(eps, "epsilon", nameof(eps));
        Validation.CheckNonNegative(weightDecay, "weight_decay", nameof(weightDecay));
        return new()
        {
            ["lr"] = lr.AsOption,
            ["rho"] = rho,
            ["eps"] = eps,
            ["weight_decay"] = weightDecay,
            ["maximize"] = maximize,
            ["capturable"] = capturable,
            ["foreach"] = forEach,
            ["differentiable"] = differentiable,
        };
    }

    protected override IEnumerable<string> ElementwiseStateKeys => ["square_avg", "acc_delta"];

    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    protected override void SetGroupDefaults(ParamGroup group) => GroupDefaults.SetPathFlags(group);

    /// <summary>One parameter's step counter and running averages.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor SquareAvg, Tensor AccDelta)
    {
        /// <summary>Records that the kernel wrote the averages through spans.</summary>
        public void MarkModified()
        {
            SquareAvg.MarkModified();
            AccDelta.MarkModified();
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
    private (StepImplementation, AdadeltaHyper)? Gather(ParamGroup group, bool create)
    {
        var ps = ParamsWithGrad(group, _params, out bool anySparse);
        if (ps.Count == 0) return null;
        StepGuards.CheckNoSparseGrad(nameof(Adadelta), anySparse);
        TensorLr.RefuseRecordedRequiresGrad(group, "add_", "'alpha'");
        var h = new AdadeltaHyper(group.Lr, group.GetDouble("rho"), group.GetDouble("eps"), group.GetDouble("weight_decay"), group.GetBool("maximize"));
        var implementation = ResolveImplementation(group, hasSparseGrad: false);
        GatherStates(ps, _states, new StateSchema(), create, implementation == StepImplementation.Reference ? null : nameof(Adadelta));
        return (implementation, h);
    }

    /// <summary>A parameter's state: <c>step</c>, <c>square_avg</c>, <c>acc_delta</c>.</summary>
    private readonly struct StateSchema : IStepStateSchema<ParamState>
    {
        public ParamState Read(in StepStateEntries e) => new(e.Step(), e.Elementwise("square_avg"), e.Elementwise("acc_delta"));

        public bool LacksEntries(in ParamState state) => false;

        /// <summary>At zero, in PyTorch's key order.</summary>
        public void Create(OrderedDictionary<string, object?> state, Tensor p)
        {
            state["step"] = ScalarState.NewStep();
            state["square_avg"] = Torch.ZerosLike(p);
            state["acc_delta"] = Torch.ZerosLike(p);
        }
    }

    /// <summary>PyTorch's <c>_single_tensor_adadelta</c>, operation for operation.</summary>
    private static void Reference(List<Tensor> ps, List<ParamState> states, AdadeltaHyper h, bool differentiable)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            var param = ps[i];
            var (_, squareAvg, accDelta) = states[i];
            var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
            if (h.WeightDecay != 0) grad = grad.Add(param, alpha: h.WeightDecay);
            squareAvg.Mul_(h.Rho).Addcmul_(grad, grad, value: 1 - h.Rho);
            var std = squareAvg.Add(h.Eps).Sqrt_();
            var delta = accDelta.Add(h.Eps).Sqrt_();
            if (differentiable) delta = delta.Clone();
            delta.Div_(std).Mul_(grad);
            accDelta.Mul_(h.Rho).Addcmul_(delta, delta, value: 1 - h.Rho);
            param.Add_(delta, alpha: -h.Lr);
        }
    }

    /// <summary>The single-pass kernel over every parameter of the group at once.</summary>
    private static void Kernel<TMath>(List<Tensor> ps, List<ParamState> states, AdadeltaHyper h) where TMath : IKernelMath
    {
        ElementwiseKernel.Run(ps, nameof(Adadelta), new Chunks<TMath>(ps, states, h));
    }

    private readonly struct Chunks<TMath>(List<Tensor> ps, List<ParamState> states, AdadeltaHyper h) : IElementwiseKernel
        where TMath : IKernelMath
    {
        public void Run<T>(int t, int start, int length) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var (p, s) = (ps[t], states[t]);
            if (start == 0) s.MarkModified();   // while its objects are in cache
            AdadeltaKernel.Step<T, TMath>(ElementwiseKernel.Chunk<T>(p, start, length), ElementwiseKernel.Chunk<T>(p.Grad!, start, length),
                ElementwiseKernel.Chunk<T>(s.SquareAvg, start, length), ElementwiseKernel.Chunk<T>(s.AccDelta, start, length), h);
        }
    }
}
