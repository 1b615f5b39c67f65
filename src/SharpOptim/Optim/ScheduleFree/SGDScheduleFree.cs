using System.Numerics;
using System.Runtime.CompilerServices;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Schedule-Free SGD — the authors' <c>schedulefree.SGDScheduleFree</c> (Defazio et al. 2024;
/// github.com/facebookresearch/schedule_free): gradient steps on a base sequence <c>z</c>, the
/// parameters holding an interpolation <c>y</c> of <c>z</c> and its running weighted average
/// <c>x</c>, which replaces both momentum and the learning-rate schedule (a linear warm-up is the
/// <c>warmup_steps</c> option). State per parameter (made at its first step): <c>z</c>, a copy of
/// the parameter. Call <see cref="ScheduleFreeOptimizer.Train"/> before training and
/// <see cref="ScheduleFreeOptimizer.Eval"/> before evaluating or saving (see <see cref="ScheduleFreeOptimizer"/>).
/// </summary>
/// <remarks>
/// Unlike the reference, the step leaves <c>param.Grad</c> as it was (the reference adds the
/// weight decay to the gradient in place). Sparse gradients are refused.
/// </remarks>
public sealed class SGDScheduleFree : ScheduleFreeOptimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a number (default 1.0; the authors advise 10–50× a classical SGD rate).</param>
    /// <param name="momentum">The interpolation β between <c>z</c> and <c>x</c>, strictly between 0 and 1 (default 0.9).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient at <c>y</c> (default 0).</param>
    /// <param name="warmupSteps">Steps of linear learning-rate warm-up (default 0).</param>
    /// <param name="r">Power of the step count in the averaging weight (default 0).</param>
    /// <param name="weightLrPower">Power of the largest learning rate so far in the averaging weight (default 2).</param>
    /// <param name="foreach">True (the reference's default): the kernel path with the reference's exact rounding. False: the reference path. Null: the fastest path (the kernel with fused multiply-adds).</param>
    public SGDScheduleFree(OptimizerParams parameters, FloatOrTensor? lr = null, double momentum = 0.9, double weightDecay = 0,
                           int warmupSteps = 0, double r = 0.0, double weightLrPower = 2.0, bool? @foreach = true)
        : base(parameters, MakeDefaults(lr ?? 1.0, momentum, weightDecay, warmupSteps, r, weightLrPower, @foreach))
    {
    }

    /// <summary>The reference's checks, in its order and with its messages (NaN passes each, as there).</summary>
    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, double momentum, double weightDecay, int warmupSteps,
        double r, double weightLrPower, bool? forEach)
    {
        if (lr.IsTensor) throw new ArgumentException($"{nameof(SGDScheduleFree)} takes a number as lr, not a tensor", nameof(lr));
        Validation.CheckLr(lr, LrCheck.AcceptingNaN);
        Validation.CheckNotBelowZero(weightDecay, "weight_decay", nameof(weightDecay));
        if (momentum <= 0 || momentum >= 1)
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"Momentum must be between 0 and 1 exclusive: {PyRepr.Float(momentum)}");
        return new()
        {
            ["lr"] = lr.Value,
            ["momentum"] = momentum,
            ["r"] = r,
            ["k"] = 0L,
            ["warmup_steps"] = (long)warmupSteps,
            ["train_mode"] = false,
            ["weight_sum"] = 0.0,
            ["lr_max"] = -1.0,
            ["scheduled_lr"] = 0.0,
            ["weight_lr_power"] = weightLrPower,
            ["weight_decay"] = weightDecay,
            ["foreach"] = forEach,
        };
    }

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["z"];

    private protected override double Beta(ParamGroup group) => group.GetDouble("momentum");

    private readonly ElementwiseSteps<Algorithm, ParamState, Hyper, Hyper> _steps = new();

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => _steps.Check(this, group);

    private protected override void StepParams(ParamGroup group) => _steps.Step(this, group);

    /// <summary>One parameter's base sequence.</summary>
    private readonly record struct ParamState(Tensor Z) : IElementwiseState
    {
        Tensor? IElementwiseState.Step => null;

        public KernelBuffers Buffers => new(Z);
    }

    /// <summary>One group's options and schedule for this step.</summary>
    private readonly record struct Hyper(double Lr, double Ckp1, double YStep, double WeightDecay);

    /// <summary>Schedule-Free SGD's options, state, reference path and kernel math, for the shared skeleton.</summary>
    private readonly struct Algorithm : IElementwiseAlgorithm<ParamState, Hyper, Hyper>
    {
        public static string Name => nameof(SGDScheduleFree);

        public static Hyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
        {
            StepGuards.CheckNoSparseGrad(Name, anySparse);
            var s = ScheduleFreeSchedule.Read(group);
            return new(s.Lr, s.Ckp1, s.YStep(group.GetDouble("momentum")), group.GetDouble("weight_decay"));
        }

        public static ParamState ReadState(in StepStateEntries e, in Hyper h) => new(e.Elementwise("z"));

        /// <summary><c>z</c> starts at the parameter (<c>y</c>).</summary>
        public static void CreateState(OrderedDictionary<string, object?> state, Tensor p, in Hyper h) => state["z"] = p.Detach().Clone();

        /// <summary>The reference's for-loop, operation for operation (the gradient left unchanged).</summary>
        public static void Reference(List<Tensor> ps, List<ParamState> states, in Hyper h)
        {
            for (int i = 0; i < ps.Count; i++)
            {
                var y = ps[i];
                var z = states[i].Z;
                var grad = h.WeightDecay != 0 ? y.Grad!.Add(y, alpha: h.WeightDecay) : y.Grad!;
                y.Lerp_(z, h.Ckp1);
                y.Add_(grad, alpha: h.YStep);
                z.Sub_(grad, alpha: h.Lr);
            }
        }

        public static Hyper Scalars(in ParamState state, Tensor param, double step, in Hyper h, in Hyper previous, bool hasPrevious) => h;

        public static void Chunk<T, TMath, TVec>(in Hyper h, in ElementChunk<T> chunk)
            where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
            => ElementwiseDriver<T, TVec>.Run(new Op<T, TMath, TVec>(h), chunk);
    }

    /// <summary>
    /// One vector of Schedule-Free SGD: <c>g += wd·y</c>; <c>y = lerp(y, z, ckp1) + yStep·g</c>;
    /// <c>z −= lr·g</c>, each reference op of the form <c>a + b·c</c> rounded once.
    /// </summary>
    private readonly struct Op<T, TMath, TVec>(Hyper h) : IElementOp<T, TVec>
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
    {
        // Hyper-parameters cast to the element type first, as PyTorch's CPU kernels cast scalars.
        private readonly TVec _wd = TVec.Create(T.CreateTruncating(h.WeightDecay)), _yStep = TVec.Create(T.CreateTruncating(h.YStep)),
            _negLr = TVec.Create(-T.CreateTruncating(h.Lr));
        private readonly LerpWeight<T> _ckp1 = new(h.Ckp1);
        private readonly bool _decay = h.WeightDecay != 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref TVec y, TVec g, ref TVec z, ref TVec unusedB, ref TVec unusedC)
        {
            if (_decay) g = TVec.MulAdd(_wd, y, g);
            y = TVec.MulAdd(_yStep, g, _ckp1.Apply(y, z));
            z = TVec.MulAdd(_negLr, g, z);
        }
    }
}
