using System.Numerics;
using System.Runtime.CompilerServices;
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
    public RMSprop(OptimizerParams parameters, FloatOrTensor? lr = null, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0,
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

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["square_avg", "momentum_buffer", "grad_avg"];

    /// <inheritdoc/>
    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    /// <inheritdoc/>
    protected override void SetGroupDefaults(ParamGroup group)
    {
        group.SetDefault("momentum", 0);
        group.SetDefault("centered", false);
        GroupDefaults.SetPathFlags(group);
    }

    private readonly ElementwiseSteps<Algorithm, ParamState, Hyper, Hyper> _steps = new();

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => _steps.Check(this, group);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group) => _steps.Step(this, group);

    /// <summary>One parameter's state tensors (<c>grad_avg</c> when centered, <c>momentum_buffer</c> with momentum).</summary>
    private readonly record struct ParamState(Tensor Step, Tensor SquareAvg, Tensor? GradAvg, Tensor? MomentumBuffer) : IElementwiseState
    {
        Tensor? IElementwiseState.Step => Step;

        public KernelBuffers Buffers => new(SquareAvg, GradAvg, MomentumBuffer);
    }

    /// <summary>One group's options as a step reads them.</summary>
    private readonly record struct Hyper(double Lr, double Alpha, double Eps, double WeightDecay, double Momentum, bool Centered, bool Maximize,
                                         bool Differentiable);

    /// <summary>RMSprop's options, state, reference path and kernel math, for the shared skeleton.</summary>
    private readonly struct Algorithm : IElementwiseAlgorithm<ParamState, Hyper, Hyper>
    {
        public static string Name => nameof(RMSprop);

        /// <summary>With no gradient in the group, nothing is read or refused.</summary>
        public static Hyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
        {
            if (ps.Count == 0) return default;
            StepGuards.CheckNoSparseGrad(Name, anySparse);
            TensorLr.RefuseRecordedRequiresGrad(group, "addcdiv_", "'value'");
            return new(group.Lr, group.GetDouble("alpha"), group.GetDouble("eps"), group.GetDouble("weight_decay"),
                       group.GetDouble("momentum"), group.GetBool("centered"), group.GetBool("maximize"), group.GetBool("differentiable"));
        }

        /// <summary><c>step</c>, <c>square_avg</c>, <c>momentum_buffer</c> with momentum, <c>grad_avg</c> when centered.</summary>
        public static ParamState ReadState(in StepStateEntries e, in Hyper h)
            => new(e.Step(), e.Elementwise("square_avg"), h.Centered ? e.OptionalElementwise("grad_avg") : null,
                   h.Momentum > 0 ? e.OptionalElementwise("momentum_buffer") : null);

        /// <summary>
        /// The two optional buffers are made with the state, as PyTorch makes them, and also later
        /// when the group's options change (where PyTorch would fail on the missing entry).
        /// </summary>
        public static bool LacksEntries(in ParamState state, in Hyper h)
            => (h.Momentum > 0 && state.MomentumBuffer is null) || (h.Centered && state.GradAvg is null);

        /// <summary>At zero, in PyTorch's key order; of an existing state, only the missing buffers.</summary>
        public static void CreateState(OrderedDictionary<string, object?> state, Tensor p, in Hyper h)
        {
            if (state.Count == 0)
            {
                state["step"] = ScalarState.NewStep();
                state["square_avg"] = Torch.ZerosLike(p);
            }
            if (h.Momentum > 0 && state.GetValueOrDefault("momentum_buffer") is null) state["momentum_buffer"] = Torch.ZerosLike(p);
            if (h.Centered && state.GetValueOrDefault("grad_avg") is null) state["grad_avg"] = Torch.ZerosLike(p);
        }

        /// <summary>PyTorch's <c>_single_tensor_rmsprop</c>, operation for operation.</summary>
        public static void Reference(List<Tensor> ps, List<ParamState> states, in Hyper h)
        {
            for (int i = 0; i < ps.Count; i++)
            {
                var param = ps[i];
                var (step, squareAvg, gradAvg, buf) = states[i];
                ScalarState.Increment(step);
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
                avg = h.Differentiable ? avg.Add(h.Eps) : avg.Add_(h.Eps);
                if (h.Momentum > 0)
                {
                    buf!.Mul_(h.Momentum).Addcdiv_(grad, avg);
                    param.Add_(buf, alpha: -h.Lr);
                }
                else param.Addcdiv_(grad, avg, value: -h.Lr);
            }
        }

        public static Hyper Scalars(in ParamState state, Tensor param, double step, in Hyper h, in Hyper previous, bool hasPrevious) => h;

        public static void Chunk<T, TMath, TVec>(in Hyper h, in ElementChunk<T> chunk)
            where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
            => ElementwiseDriver<T, TVec>.Run(new Op<T, TMath, TVec>(h), chunk);
    }

    /// <summary>
    /// One vector of RMSprop: <c>g = ±grad (+ wd·p)</c>; <c>square_avg = α·square_avg + (1-α)·g²</c>;
    /// centered: <c>grad_avg = lerp(grad_avg, g, 1-α)</c> and <c>avg = √(square_avg - grad_avg²) + eps</c>,
    /// else <c>avg = √square_avg + eps</c>; with momentum <c>buf = m·buf + g/avg</c>, <c>p -= lr·buf</c>,
    /// else <c>p -= lr·g/avg</c>. Where PyTorch has one operation of the form <c>a + b·c</c>, it rounds
    /// once in either numerics mode, as PyTorch's CPU kernel and the reference's tensor op round it.
    /// </summary>
    private readonly struct Op<T, TMath, TVec> : IElementOp<T, TVec>
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
    {
        private readonly TVec _wd, _alpha, _oneMinusAlpha, _eps, _momentum, _negLr, _lerpOneMinusWeight;
        private readonly bool _decay, _centered, _useMomentum, _maximize, _lerpFromStart;

        public Op(in Hyper h)
        {
            // Hyper-parameters cast to the element type first, as PyTorch's CPU kernels cast alpha/value.
            T oneMinusAlpha = T.CreateTruncating(1 - h.Alpha);
            (_wd, _alpha, _oneMinusAlpha) = (TVec.Create(T.CreateTruncating(h.WeightDecay)), TVec.Create(T.CreateTruncating(h.Alpha)), TVec.Create(oneMinusAlpha));
            (_eps, _momentum, _negLr) = (TVec.Create(T.CreateTruncating(h.Eps)), TVec.Create(T.CreateTruncating(h.Momentum)), TVec.Create(T.CreateTruncating(-h.Lr)));
            // grad_avg.lerp_(g, 1 - α): PyTorch's two-branch lerp, picked once for the whole chunk.
            _lerpFromStart = T.Abs(oneMinusAlpha) < T.CreateTruncating(0.5);
            _lerpOneMinusWeight = TVec.Create(T.One - oneMinusAlpha);
            (_decay, _centered, _useMomentum, _maximize) = (h.WeightDecay != 0, h.Centered, h.Momentum > 0, h.Maximize);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref TVec p, TVec g, ref TVec squareAvg, ref TVec gradAvg, ref TVec buffer)
        {
            if (_maximize) g = -g;
            if (_decay) g = TVec.MulAdd(_wd, p, g);
            squareAvg = TVec.MulAdd(_oneMinusAlpha * g, g, squareAvg * _alpha);
            TVec avg;
            if (_centered)
            {
                var diff = g - gradAvg;
                gradAvg = _lerpFromStart ? TVec.MulAdd(_oneMinusAlpha, diff, gradAvg) : TVec.MulAdd(-diff, _lerpOneMinusWeight, g);
                avg = TVec.Sqrt(TVec.MulAdd(-gradAvg, gradAvg, squareAvg)) + _eps;
            }
            else avg = TVec.Sqrt(squareAvg) + _eps;
            if (_useMomentum)
            {
                buffer = buffer * _momentum + g / avg;
                p = TVec.MulAdd(_negLr, buffer, p);
            }
            else p += _negLr * g / avg;
        }
    }
}
