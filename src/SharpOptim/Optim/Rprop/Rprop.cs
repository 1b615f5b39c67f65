using System.Numerics;
using System.Runtime.CompilerServices;
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
    public Rprop(OptimizerParams parameters, FloatOrTensor? lr = null, (double EtaMinus, double EtaPlus)? etas = null,
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

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["prev", "step_size"];

    /// <inheritdoc/>
    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    /// <inheritdoc/>
    protected override void SetGroupDefaults(ParamGroup group) => GroupDefaults.SetPathFlags(group);

    private readonly ElementwiseSteps<Algorithm, ParamState, Hyper, Hyper> _steps = new();

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => _steps.Check(this, group);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group) => _steps.Step(this, group);

    /// <summary>One parameter's step counter, previous gradient and per-element step sizes.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor Prev, Tensor StepSize) : IElementwiseState
    {
        Tensor? IElementwiseState.Step => Step;

        public KernelBuffers Buffers => new(Prev, StepSize);
    }

    /// <summary>One group's options as a step reads them (<see cref="Lr"/>: a new parameter's initial step size).</summary>
    private readonly record struct Hyper(double EtaMinus, double EtaPlus, double StepSizeMin, double StepSizeMax, bool Maximize, double Lr,
                                         bool Differentiable);

    /// <summary>Rprop's options, state, reference path and kernel math, for the shared skeleton.</summary>
    private readonly struct Algorithm : IElementwiseAlgorithm<ParamState, Hyper, Hyper>
    {
        public static string Name => nameof(Rprop);

        /// <summary>With no gradient in the group, nothing is read or refused.</summary>
        public static Hyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
        {
            if (ps.Count == 0) return default;
            StepGuards.CheckNoSparseGrad(Name, anySparse);
            // The step sizes start as full_like(grad, lr), which takes lr as a number (the cheap test first:
            // the scan for parameters without state is only needed for a tensor lr that requires grad).
            if (group.Peek("lr") is Tensor { RequiresGrad: true } && AnyWithoutState(owner, ps))
                TensorLr.RefuseRequiresGrad(group, "full_like", "'fill_value' (position 2)");
            var (etaMinus, etaPlus) = group.GetPair("etas");
            var (min, max) = group.GetPair("step_sizes");
            return new(etaMinus, etaPlus, min, max, group.GetBool("maximize"), group.Lr, group.GetBool("differentiable"));
        }

        public static ParamState ReadState(in StepStateEntries e, in Hyper h) => new(e.Step(), e.Elementwise("prev"), e.Elementwise("step_size"));

        /// <summary>In PyTorch's key order, the step sizes starting at lr.</summary>
        public static void CreateState(OrderedDictionary<string, object?> state, Tensor p, in Hyper h)
        {
            state["step"] = ScalarState.NewStep();
            state["prev"] = Torch.ZerosLike(p);
            state["step_size"] = Torch.FullLike(p, h.Lr);
        }

        /// <summary>
        /// PyTorch's <c>_single_tensor_rprop</c>, operation for operation. Its masked assignments
        /// (<c>sign[sign.gt(0)] = etaplus</c>, <c>grad[sign.eq(etaminus)] = 0</c>) are written as
        /// <c>where</c>, as its capturable branch writes them; the values are the same.
        /// </summary>
        public static void Reference(List<Tensor> ps, List<ParamState> states, in Hyper h)
        {
            for (int i = 0; i < ps.Count; i++)
            {
                var param = ps[i];
                var (step, prev, stepSize) = states[i];
                ScalarState.Increment(step);
                var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
                var sign = grad.Mul(h.Differentiable ? prev.Clone() : prev).Sign();
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

        public static Hyper Scalars(in ParamState state, Tensor param, double step, in Hyper h, in Hyper previous, bool hasPrevious) => h;

        /// <summary>There is no multiply-add to contract, so one op serves both numerics modes.</summary>
        public static void Chunk<T, TMath, TVec>(in Hyper h, in ElementChunk<T> chunk)
            where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
            => ElementwiseDriver<T, TVec>.Run(new Op<T, TVec>(h), chunk);
    }

    private static bool AnyWithoutState(Optimizer owner, List<Tensor> ps)
    {
        foreach (var p in ps)
            if (!owner.State.TryGetValue(p, out var state) || state.Count == 0) return true;
        return false;
    }

    /// <summary>
    /// One vector of Rprop. With <c>g = ±grad</c> and <c>s = sign(g·prev)</c>: the step size is
    /// multiplied by etaplus where s &gt; 0, by etaminus where s &lt; 0 (and kept where s = 0), then
    /// clamped to step_sizes; where s &lt; 0 the gradient is taken as 0; <c>p -= sign(g)·step_size</c>
    /// and <c>prev = g</c>. It matches the reference bit for bit. PyTorch's sign of NaN is 0, so a
    /// NaN product (a NaN gradient, or an infinite one against a zero prev) keeps the step size, and
    /// a NaN gradient leaves its element where it was; only prev takes the NaN.
    /// </summary>
    private readonly struct Op<T, TVec>(in Hyper h) : IElementOp<T, TVec>
        where T : unmanaged, IFloatingPointIeee754<T> where TVec : struct, ISimdVector<TVec, T>
    {
        private readonly TVec _etaMinus = TVec.Create(T.CreateTruncating(h.EtaMinus)), _etaPlus = TVec.Create(T.CreateTruncating(h.EtaPlus)),
            _min = TVec.Create(T.CreateTruncating(h.StepSizeMin)), _max = TVec.Create(T.CreateTruncating(h.StepSizeMax));
        private readonly bool _maximize = h.Maximize;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref TVec p, TVec g, ref TVec prev, ref TVec stepSize, ref TVec unused)
        {
            if (_maximize) g = -g;
            var product = g * prev;
            var flipped = TVec.LessThan(product, default(TVec));
            var factor = TVec.ConditionalSelect(TVec.GreaterThan(product, default(TVec)), _etaPlus,
                TVec.ConditionalSelect(flipped, _etaMinus, TVec.Create(T.One)));
            var size = stepSize * factor;
            size = TVec.ConditionalSelect(TVec.LessThan(size, _min), _min, size);
            stepSize = TVec.ConditionalSelect(TVec.GreaterThan(size, _max), _max, size);
            g = TVec.ConditionalSelect(flipped, default(TVec), g);
            p -= Sign(g) * stepSize;
            prev = g;
        }

        /// <summary>PyTorch's sign, as <c>Tensor.Sign</c>: +0 for NaN and for ±0.</summary>
        private static TVec Sign(TVec x)
            => TVec.ConditionalSelect(TVec.GreaterThan(x, default(TVec)), TVec.Create(T.One),
                TVec.ConditionalSelect(TVec.LessThan(x, default(TVec)), -TVec.Create(T.One), default(TVec)));
    }
}
