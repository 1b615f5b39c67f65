using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Rprop (resilient backpropagation) — PyTorch's <c>torch.optim.Rprop</c>: each element keeps its
/// own step size, grown by etaplus while the gradient keeps its sign and shrunk by etaminus when it
/// flips; the parameter moves by that step size against the gradient's sign. <c>lr</c> only seeds
/// the step sizes at a parameter's first step. State per parameter: <c>step</c> (0-d float32
/// tensor), <c>prev</c>, <c>step_size</c>. Sparse gradients are refused, as in PyTorch.
/// </summary>
public sealed class Rprop : Optimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Initial step size, a number or a one-element tensor (default 1e-2).</param>
    /// <param name="etas">(etaminus, etaplus): step-size factors, 0 &lt; etaminus &lt; 1 &lt; etaplus. Default (0.5, 1.2).</param>
    /// <param name="stepSizes">(min, max) step size. Default (1e-6, 50).</param>
    /// <param name="capturable">
    /// Accepted and stored for PyTorch compatibility (CUDA-graph capture). On the CPU it changes
    /// nothing here: the non-capturable math runs. (PyTorch itself refuses capturable CPU
    /// parameters at the first step.)
    /// </param>
    /// <param name="foreach">True: the kernel path (it rounds exactly as the reference). Null: the fastest path (the same kernel).</param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="differentiable">Record the step for autograd (reference path).</param>
    public Rprop(IEnumerable<object> parameters, FloatOrTensor? lr = null, (double EtaMinus, double EtaPlus)? etas = null,
                 (double Min, double Max)? stepSizes = null, bool capturable = false, bool? @foreach = null, bool maximize = false,
                 bool differentiable = false)
        : base(parameters, MakeDefaults(lr ?? 1e-2, etas ?? (0.5, 1.2), stepSizes ?? (1e-6, 50), capturable, @foreach, maximize, differentiable))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, (double, double) etas, (double, double) stepSizes,
        bool capturable, bool? forEach, bool maximize, bool differentiable)
    {
        Validation.CheckLr(lr);
        var (etaMinus, etaPlus) = etas;
        if (!(0 < etaMinus && etaMinus < 1 && 1 < etaPlus))
            throw new ArgumentOutOfRangeException(nameof(etas), etas, $"Invalid eta values: {PyRepr.Float(etaMinus)}, {PyRepr.Float(etaPlus)}");
        return new()
        {
            ["lr"] = lr.AsOption,
            ["etas"] = etas,
            ["step_sizes"] = stepSizes,
            ["foreach"] = forEach,
            ["maximize"] = maximize,
            ["differentiable"] = differentiable,
            ["capturable"] = capturable,
        };
    }

    protected override IEnumerable<string> ElementwiseStateKeys => ["prev", "step_size"];

    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    protected override void SetGroupDefaults(ParamGroup group) => GroupDefaults.SetPathFlags(group);

    /// <summary>One parameter's step counter, previous gradient and per-element step sizes.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor Prev, Tensor StepSize)
    {
        /// <summary>Records that the kernel wrote the state through spans.</summary>
        public void MarkModified()
        {
            Prev.MarkModified();
            StepSize.MarkModified();
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
        if (implementation == StepImplementation.Reference)
            Reference(ps, states, h, group.GetBool("differentiable"));
        else
        {
            ElementwiseKernel.Run(ps, nameof(Rprop), new Chunks(ps, states, h));
        }
    }

    /// <summary>
    /// Everything the step reads (parameters in <c>_params</c>, states in <c>_states</c>, the
    /// options), checked before it changes anything; null when no parameter has a gradient.
    /// </summary>
    private (StepImplementation, RpropHyper)? Gather(ParamGroup group, bool create)
    {
        var ps = ParamsWithGrad(group, _params, out bool anySparse);
        if (ps.Count == 0) return null;
        StepGuards.CheckNoSparseGrad(nameof(Rprop), anySparse);
        // The step sizes start as full_like(grad, lr), which takes lr as a number (the cheap test first:
        // the scan for parameters without state is only needed for a tensor lr that requires grad).
        if (group.Peek("lr") is Tensor { RequiresGrad: true } && AnyWithoutState(ps))
            TensorLr.RefuseRequiresGrad(group, "full_like", "'fill_value' (position 2)");
        var (etaMinus, etaPlus) = group.GetPair("etas");
        var (min, max) = group.GetPair("step_sizes");
        var h = new RpropHyper(etaMinus, etaPlus, min, max, group.GetBool("maximize"));
        var implementation = ResolveImplementation(group, hasSparseGrad: false);
        GatherStates(ps, _states, new StateSchema(group.Lr), create, implementation == StepImplementation.Reference ? null : nameof(Rprop));
        return (implementation, h);
    }

    /// <summary>A parameter's state: <c>step</c>, <c>prev</c>, <c>step_size</c> (starting at <paramref name="lr"/>).</summary>
    private readonly struct StateSchema(double lr) : IStepStateSchema<ParamState>
    {
        public ParamState Read(in StepStateEntries e) => new(e.Step(), e.Elementwise("prev"), e.Elementwise("step_size"));

        public bool LacksEntries(in ParamState state) => false;

        /// <summary>In PyTorch's key order.</summary>
        public void Create(OrderedDictionary<string, object?> state, Tensor p)
        {
            state["step"] = ScalarState.NewStep();
            state["prev"] = Torch.ZerosLike(p);
            state["step_size"] = Torch.FullLike(p, lr);
        }
    }

    private bool AnyWithoutState(List<Tensor> ps)
    {
        foreach (var p in ps)
            if (!State.TryGetValue(p, out var state) || state.Count == 0) return true;
        return false;
    }

    /// <summary>
    /// PyTorch's <c>_single_tensor_rprop</c>, operation for operation. Its masked assignments
    /// (<c>sign[sign.gt(0)] = etaplus</c>, <c>grad[sign.eq(etaminus)] = 0</c>) are written as
    /// <c>where</c>, as its capturable branch writes them; the values are the same.
    /// </summary>
    private static void Reference(List<Tensor> ps, List<ParamState> states, RpropHyper h, bool differentiable)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            var param = ps[i];
            var (_, prev, stepSize) = states[i];
            var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
            var sign = grad.Mul(differentiable ? prev.Clone() : prev).Sign();
            var dtype = param.DType;
            sign = Torch.Where(sign.Gt(0), Torch.Scalar(h.EtaPlus, dtype), sign);
            sign = Torch.Where(sign.Lt(0), Torch.Scalar(h.EtaMinus, dtype), sign);
            sign = Torch.Where(sign.Eq(0), Torch.Scalar(1, dtype), sign);
            stepSize.Mul_(sign).Clamp_(h.StepSizeMin, h.StepSizeMax);
            grad = Torch.Where(sign.Eq(h.EtaMinus), Torch.Scalar(0, dtype), grad);
            param.Addcmul_(grad.Sign(), stepSize, value: -1);
            prev.Copy_(grad);
        }
    }

    private readonly struct Chunks(List<Tensor> ps, List<ParamState> states, RpropHyper h) : IElementwiseKernel
    {
        public void Run<T>(int t, int start, int length) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var (p, s) = (ps[t], states[t]);
            if (start == 0) s.MarkModified();   // while its objects are in cache
            RpropKernel.Step(ElementwiseKernel.Chunk<T>(p, start, length), ElementwiseKernel.Chunk<T>(p.Grad!, start, length),
                ElementwiseKernel.Chunk<T>(s.Prev, start, length), ElementwiseKernel.Chunk<T>(s.StepSize, start, length), h);
        }
    }
}
