using System.Numerics;
using System.Runtime.CompilerServices;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Schedule-Free AdamW — the authors' <c>schedulefree.AdamWScheduleFree</c> (Defazio et al. 2024;
/// github.com/facebookresearch/schedule_free): AdamW's normalised gradient steps a base sequence
/// <c>z</c>, the parameters hold an interpolation <c>y</c> of <c>z</c> and its running weighted
/// average <c>x</c>, and no learning-rate schedule is needed (a linear warm-up is the
/// <c>warmup_steps</c> option). State per parameter (made at its first step): <c>z</c> (a copy
/// of the parameter), <c>exp_avg_sq</c>, and <c>exp_avg</c> when <c>inner_momentum</c> is not 0.
/// Call <see cref="ScheduleFreeOptimizer.Train"/> before training and
/// <see cref="ScheduleFreeOptimizer.Eval"/> before evaluating or saving (see <see cref="ScheduleFreeOptimizer"/>).
/// </summary>
/// <remarks>
/// Unlike the reference, the step leaves <c>param.Grad</c> as it was (the reference divides the
/// gradient in place by the denominator and adds the weight decay to it), and the constructor
/// checks its arguments as <c>torch.optim.AdamW</c> does (the reference checks none). Sparse
/// gradients are refused.
/// </remarks>
public sealed class AdamWScheduleFree : ScheduleFreeOptimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a number (default 0.0025).</param>
    /// <param name="betas">β₁, the interpolation between <c>z</c> and <c>x</c> (also Eval's), and β₂, the decay of the squared-gradient average (default (0.9, 0.999)).</param>
    /// <param name="eps">Added to the denominator outside the square root (default 1e-8).</param>
    /// <param name="weightDecay">Weight decay, computed at <c>y</c> and added to the normalised gradient (default 0).</param>
    /// <param name="warmupSteps">Steps of linear learning-rate warm-up (default 0).</param>
    /// <param name="r">Power of the step count in the averaging weight (default 0).</param>
    /// <param name="weightLrPower">Power of the largest learning rate so far in the averaging weight (default 2).</param>
    /// <param name="innerMomentum">Decay of an average of the gradient used in place of the gradient (default 0: none, and no <c>exp_avg</c> state).</param>
    /// <param name="foreach">True (the reference's default): the kernel path with the reference's exact rounding. False: the reference path. Null: the fastest path (the kernel with fused multiply-adds).</param>
    public AdamWScheduleFree(OptimizerParams parameters, FloatOrTensor? lr = null, (double Beta1, double Beta2)? betas = null,
                             double eps = 1e-8, double weightDecay = 0, int warmupSteps = 0, double r = 0.0, double weightLrPower = 2.0,
                             double innerMomentum = 0.0, bool? @foreach = true)
        : base(parameters, MakeDefaults(lr ?? 0.0025, betas ?? AdamFamilyOptions.DefaultBetas, eps, weightDecay, warmupSteps, r,
                                        weightLrPower, innerMomentum, @foreach))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, (double Beta1, double Beta2) betas, double eps,
        double weightDecay, int warmupSteps, double r, double weightLrPower, double innerMomentum, bool? forEach)
    {
        if (lr.IsTensor) throw new ArgumentException($"{nameof(AdamWScheduleFree)} takes a number as lr, not a tensor", nameof(lr));
        AdamFamilyOptions.CheckNAdamRAdam(lr, betas, eps, weightDecay);
        if (!(innerMomentum >= 0 && innerMomentum < 1))
            throw new ArgumentOutOfRangeException(nameof(innerMomentum), innerMomentum, $"Invalid inner_momentum value: {PyRepr.Float(innerMomentum)}");
        return new()
        {
            ["lr"] = lr.Value,
            ["betas"] = betas,
            ["eps"] = eps,
            ["r"] = r,
            ["k"] = 0L,
            ["warmup_steps"] = (long)warmupSteps,
            ["train_mode"] = false,
            ["weight_sum"] = 0.0,
            ["lr_max"] = -1.0,
            ["scheduled_lr"] = 0.0,
            ["weight_lr_power"] = weightLrPower,
            ["weight_decay"] = weightDecay,
            ["inner_momentum"] = innerMomentum,
            ["foreach"] = forEach,
        };
    }

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["z", "exp_avg_sq", "exp_avg"];

    private protected override double Beta(ParamGroup group) => group.GetPair("betas").Item1;

    private readonly ElementwiseSteps<Algorithm, ParamState, Hyper, Hyper> _steps = new();

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => _steps.Check(this, group);

    private protected override void StepParams(ParamGroup group) => _steps.Step(this, group);

    /// <summary>One parameter's base sequence and moments (<c>ExpAvg</c> null without inner momentum).</summary>
    private readonly record struct ParamState(Tensor Z, Tensor ExpAvgSq, Tensor? ExpAvg) : IElementwiseState
    {
        Tensor? IElementwiseState.Step => null;

        public KernelBuffers Buffers => new(Z, ExpAvgSq, ExpAvg);
    }

    /// <summary>One group's options and schedule for this step.</summary>
    private readonly record struct Hyper(double Lr, double Ckp1, double YStep, double Beta2, double Eps, double WeightDecay,
                                         double InnerMomentum, double BiasCorrection1, double BiasCorrection2);

    /// <summary>Schedule-Free AdamW's options, state, reference path and kernel math, for the shared skeleton.</summary>
    private readonly struct Algorithm : IElementwiseAlgorithm<ParamState, Hyper, Hyper>
    {
        public static string Name => nameof(AdamWScheduleFree);

        public static Hyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
        {
            StepGuards.CheckNoSparseGrad(Name, anySparse);
            var s = ScheduleFreeSchedule.Read(group);
            var (beta1, beta2) = group.GetPair("betas");
            double inner = group.GetDouble("inner_momentum");
            return new(s.Lr, s.Ckp1, s.YStep(beta1), beta2, group.GetDouble("eps"), group.GetDouble("weight_decay"),
                       inner, inner != 0 ? s.BiasCorrection(inner) : 1, s.BiasCorrection(beta2));
        }

        public static ParamState ReadState(in StepStateEntries e, in Hyper h)
            => new(e.Elementwise("z"), e.Elementwise("exp_avg_sq"), h.InnerMomentum != 0 ? e.Elementwise("exp_avg") : null);

        /// <summary>In the reference's key order; <c>z</c> starts at the parameter (<c>y</c>).</summary>
        public static void CreateState(OrderedDictionary<string, object?> state, Tensor p, in Hyper h)
        {
            state["z"] = p.Detach().Clone();
            state["exp_avg_sq"] = Torch.ZerosLike(p);
            if (h.InnerMomentum != 0) state["exp_avg"] = Torch.ZerosLike(p);
        }

        /// <summary>The reference's for-loop, operation for operation (the gradient left unchanged).</summary>
        public static void Reference(List<Tensor> ps, List<ParamState> states, in Hyper h)
        {
            for (int i = 0; i < ps.Count; i++)
            {
                var y = ps[i];
                var grad = y.Grad!;
                var (z, expAvgSq, expAvg) = states[i];
                expAvgSq.Mul_(h.Beta2).Addcmul_(grad, grad, value: 1 - h.Beta2);
                var denom = expAvgSq.Div(h.BiasCorrection2).Sqrt_().Add_(h.Eps);
                Tensor normalized;
                if (h.InnerMomentum != 0)
                {
                    expAvg!.Mul_(h.InnerMomentum).Add_(grad, alpha: 1 - h.InnerMomentum);
                    normalized = expAvg.Div(h.BiasCorrection1).Div_(denom);
                }
                else normalized = grad.Div(denom);
                if (h.WeightDecay != 0) normalized.Add_(y, alpha: h.WeightDecay);
                y.Lerp_(z, h.Ckp1);
                y.Add_(normalized, alpha: h.YStep);
                z.Sub_(normalized, alpha: h.Lr);
            }
        }

        public static Hyper Scalars(in ParamState state, Tensor param, double step, in Hyper h, in Hyper previous, bool hasPrevious) => h;

        public static void Chunk<T, TMath, TVec>(in Hyper h, in ElementChunk<T> chunk)
            where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
            => ElementwiseDriver<T, TVec>.Run(new Op<T, TMath, TVec>(h), chunk);
    }

    /// <summary>
    /// One vector of Schedule-Free AdamW: <c>v = β₂·v + (1−β₂)·g²</c>; <c>d = √(v/bc₂) + eps</c>;
    /// <c>n = g/d</c> or, with inner momentum, <c>m = μ·m + (1−μ)·g</c>, <c>n = m/bc₁/d</c>;
    /// <c>n += wd·y</c>; <c>y = lerp(y, z, ckp1) + yStep·n</c>; <c>z −= lr·n</c>. Each single
    /// reference op of the form <c>a + b·c</c> (addcmul, add/sub with alpha, lerp) rounds once.
    /// </summary>
    private readonly struct Op<T, TMath, TVec>(Hyper h) : IElementOp<T, TVec>
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
    {
        // Hyper-parameters cast to the element type first, as PyTorch's CPU kernels cast scalars.
        private readonly TVec _beta2 = TVec.Create(T.CreateTruncating(h.Beta2)), _oneMinusBeta2 = TVec.Create(T.CreateTruncating(1 - h.Beta2)),
            _bc2 = TVec.Create(T.CreateTruncating(h.BiasCorrection2)), _eps = TVec.Create(T.CreateTruncating(h.Eps)),
            _inner = TVec.Create(T.CreateTruncating(h.InnerMomentum)), _oneMinusInner = TVec.Create(T.CreateTruncating(1 - h.InnerMomentum)),
            _bc1 = TVec.Create(T.CreateTruncating(h.BiasCorrection1)), _wd = TVec.Create(T.CreateTruncating(h.WeightDecay)),
            _yStep = TVec.Create(T.CreateTruncating(h.YStep)), _negLr = TVec.Create(-T.CreateTruncating(h.Lr));
        private readonly LerpWeight<T> _ckp1 = new(h.Ckp1);
        private readonly bool _decay = h.WeightDecay != 0, _hasInner = h.InnerMomentum != 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref TVec y, TVec g, ref TVec z, ref TVec expAvgSq, ref TVec expAvg)
        {
            expAvgSq = TVec.MulAdd(_oneMinusBeta2 * g, g, expAvgSq * _beta2);
            var denom = TVec.Sqrt(expAvgSq / _bc2) + _eps;
            TVec normalized;
            if (_hasInner)
            {
                expAvg = TVec.MulAdd(_oneMinusInner, g, expAvg * _inner);
                normalized = expAvg / _bc1 / denom;
            }
            else normalized = g / denom;
            if (_decay) normalized = TVec.MulAdd(_wd, y, normalized);
            y = TVec.MulAdd(_yStep, normalized, _ckp1.Apply(y, z));
            z = TVec.MulAdd(_negLr, normalized, z);
        }
    }
}
