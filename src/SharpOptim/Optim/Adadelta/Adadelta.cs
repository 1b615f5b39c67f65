using System.Numerics;
using System.Runtime.CompilerServices;
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
    public Adadelta(OptimizerParams parameters, FloatOrTensor? lr = null, double rho = 0.9, double eps = 1e-6, double weightDecay = 0,
                    bool? @foreach = null, bool capturable = false, bool maximize = false, bool differentiable = false)
        : base(parameters, MakeDefaults(lr ?? 1.0, rho, eps, weightDecay, @foreach, capturable, maximize, differentiable))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, double rho, double eps, double weightDecay,
        bool? forEach, bool capturable, bool maximize, bool differentiable)
    {
        Validation.CheckLr(lr);
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

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["square_avg", "acc_delta"];

    /// <inheritdoc/>
    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    /// <inheritdoc/>
    protected override void SetGroupDefaults(ParamGroup group) => GroupDefaults.SetPathFlags(group);

    private readonly ElementwiseSteps<Algorithm, ParamState, Hyper, Hyper> _steps = new();

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => _steps.Check(this, group);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group) => _steps.Step(this, group);

    /// <summary>One parameter's step counter and running averages.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor SquareAvg, Tensor AccDelta) : IElementwiseState
    {
        Tensor? IElementwiseState.Step => Step;

        public KernelBuffers Buffers => new(SquareAvg, AccDelta);
    }

    /// <summary>One group's options as a step reads them.</summary>
    private readonly record struct Hyper(double Lr, double Rho, double Eps, double WeightDecay, bool Maximize, bool Differentiable);

    /// <summary>Adadelta's options, state, reference path and kernel math, for the shared skeleton.</summary>
    private readonly struct Algorithm : IElementwiseAlgorithm<ParamState, Hyper, Hyper>
    {
        public static string Name => nameof(Adadelta);

        public static Hyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
        {
            if (ps.Count > 0)
            {
                StepGuards.CheckNoSparseGrad(Name, anySparse);
                TensorLr.RefuseRecordedRequiresGrad(group, "add_", "'alpha'");
            }
            return new(group.Lr, group.GetDouble("rho"), group.GetDouble("eps"), group.GetDouble("weight_decay"),
                       group.GetBool("maximize"), group.GetBool("differentiable"));
        }

        public static ParamState ReadState(in StepStateEntries e, in Hyper h) => new(e.Step(), e.Elementwise("square_avg"), e.Elementwise("acc_delta"));

        /// <summary>At zero, in PyTorch's key order.</summary>
        public static void CreateState(OrderedDictionary<string, object?> state, Tensor p, in Hyper h)
        {
            state["step"] = ScalarState.NewStep();
            state["square_avg"] = Torch.ZerosLike(p);
            state["acc_delta"] = Torch.ZerosLike(p);
        }

        /// <summary>PyTorch's <c>_single_tensor_adadelta</c>, operation for operation.</summary>
        public static void Reference(List<Tensor> ps, List<ParamState> states, in Hyper h)
        {
            for (int i = 0; i < ps.Count; i++)
            {
                var param = ps[i];
                var (step, squareAvg, accDelta) = states[i];
                ScalarState.Increment(step);
                var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
                if (h.WeightDecay != 0) grad = grad.Add(param, alpha: h.WeightDecay);
                squareAvg.Mul_(h.Rho).Addcmul_(grad, grad, value: 1 - h.Rho);
                var std = squareAvg.Add(h.Eps).Sqrt_();
                var delta = accDelta.Add(h.Eps).Sqrt_();
                if (h.Differentiable) delta = delta.Clone();
                delta.Div_(std).Mul_(grad);
                accDelta.Mul_(h.Rho).Addcmul_(delta, delta, value: 1 - h.Rho);
                param.Add_(delta, alpha: -h.Lr);
            }
        }

        public static Hyper Scalars(in ParamState state, Tensor param, double step, in Hyper h, in Hyper previous, bool hasPrevious) => h;

        public static void Chunk<T, TMath, TVec>(in Hyper h, in ElementChunk<T> chunk)
            where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
            => ElementwiseDriver<T, TVec>.Run(new Op<T, TMath, TVec>(h), chunk);
    }

    /// <summary>
    /// One vector of Adadelta: <c>g = ±grad (+ wd·p)</c>; <c>square_avg = ρ·square_avg + (1-ρ)·g²</c>;
    /// <c>delta = √(acc_delta + eps) / √(square_avg + eps) · g</c>; <c>acc_delta = ρ·acc_delta + (1-ρ)·delta²</c>;
    /// <c>p -= lr·delta</c>. Where PyTorch has one operation of the form <c>a + b·c</c> (add with alpha,
    /// addcmul) it rounds once in either numerics mode, as the reference's tensor op rounds it.
    /// </summary>
    private readonly struct Op<T, TMath, TVec>(Hyper h) : IElementOp<T, TVec>
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
    {
        // Hyper-parameters cast to the element type first, as PyTorch's CPU kernels cast alpha/value.
        private readonly TVec _wd = TVec.Create(T.CreateTruncating(h.WeightDecay)), _rho = TVec.Create(T.CreateTruncating(h.Rho)),
            _oneMinusRho = TVec.Create(T.CreateTruncating(1 - h.Rho)), _eps = TVec.Create(T.CreateTruncating(h.Eps)), _negLr = TVec.Create(T.CreateTruncating(-h.Lr));
        private readonly bool _decay = h.WeightDecay != 0, _maximize = h.Maximize;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref TVec p, TVec g, ref TVec squareAvg, ref TVec accDelta, ref TVec unused)
        {
            if (_maximize) g = -g;
            if (_decay) g = TVec.MulAdd(_wd, p, g);
            squareAvg = TVec.MulAdd(_oneMinusRho * g, g, squareAvg * _rho);
            var delta = TVec.Sqrt(accDelta + _eps) / TVec.Sqrt(squareAvg + _eps) * g;
            accDelta = TVec.MulAdd(_oneMinusRho * delta, delta, accDelta * _rho);
            p = TVec.MulAdd(_negLr, delta, p);
        }
    }
}
