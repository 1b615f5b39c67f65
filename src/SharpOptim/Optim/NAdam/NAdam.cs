using System.Numerics;
using System.Runtime.CompilerServices;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Adam with Nesterov momentum — PyTorch's <c>torch.optim.NAdam</c>, with its momentum schedule
/// <c>mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))</c> and, with
/// <c>decoupledWeightDecay</c>, NAdamW. State per parameter: <c>step</c> and <c>mu_product</c>
/// (0-d tensors of the scalar dtype, float32 unless the default dtype is float64), <c>exp_avg</c>
/// and <c>exp_avg_sq</c>. Sparse gradients are refused, as in PyTorch.
/// </summary>
public sealed class NAdam : Optimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a number or a one-element tensor (default 2e-3).</param>
    /// <param name="betas">Coefficients of the running averages of the gradient and its square (default (0.9, 0.999)).</param>
    /// <param name="eps">Added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">Weight decay: an L2 penalty, or decoupled (see <paramref name="decoupledWeightDecay"/>).</param>
    /// <param name="momentumDecay">The momentum decay psi of the momentum schedule.</param>
    /// <param name="decoupledWeightDecay">Decay the parameters directly, as AdamW does (NAdamW), instead of adding an L2 term to the gradient.</param>
    /// <param name="foreach">False: the reference path. True: the kernel path with the reference's exact rounding. Null: the fastest path (the kernel with fused multiply-adds).</param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="capturable">Accepted for PyTorch compatibility and stored in the groups; CUDA-graph capture does not exist on the CPU, so it changes nothing here: the non-capturable math runs (PyTorch itself refuses to step a capturable optimizer on CPU tensors).</param>
    /// <param name="differentiable">Record the step for autograd (reference path, PyTorch's differentiable formulation).</param>
    public NAdam(OptimizerParams parameters, FloatOrTensor? lr = null, (double, double)? betas = null, double eps = 1e-8,
                 double weightDecay = 0, double momentumDecay = 4e-3, bool decoupledWeightDecay = false, bool? @foreach = null,
                 bool maximize = false, bool capturable = false, bool differentiable = false)
        : base(parameters, MakeDefaults(lr ?? 2e-3, betas ?? AdamFamilyOptions.DefaultBetas, eps, weightDecay, momentumDecay,
                                        decoupledWeightDecay, @foreach, maximize, capturable, differentiable))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, (double, double) betas, double eps, double weightDecay,
        double momentumDecay, bool decoupledWeightDecay, bool? forEach, bool maximize, bool capturable, bool differentiable)
    {
        AdamFamilyOptions.CheckNAdamRAdam(lr, betas, eps, weightDecay);
        Validation.CheckNonNegative(momentumDecay, "momentum_decay", nameof(momentumDecay));
        return new()
        {
            ["lr"] = lr.AsOption,
            ["betas"] = betas,
            ["eps"] = eps,
            ["weight_decay"] = weightDecay,
            ["momentum_decay"] = momentumDecay,
            ["decoupled_weight_decay"] = decoupledWeightDecay,
            ["maximize"] = maximize,
            ["foreach"] = forEach,
            ["capturable"] = capturable,
            ["differentiable"] = differentiable,
        };
    }

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["exp_avg", "exp_avg_sq"];

    /// <inheritdoc/>
    protected override IEnumerable<string> ScalarStateKeys => ["step", "mu_product"];

    /// <inheritdoc/>
    protected override void SetGroupDefaults(ParamGroup group)
    {
        group.SetDefault("maximize", false);
        group.SetDefault("foreach", null);
        group.SetDefault("capturable", false);
        group.SetDefault("differentiable", false);
        group.SetDefault("decoupled_weight_decay", false);
    }

    /// <summary>One parameter's state tensors.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor MuProduct, Tensor ExpAvg, Tensor ExpAvgSq) : IElementwiseState
    {
        Tensor? IElementwiseState.Step => Step;

        public KernelBuffers Buffers => new(ExpAvg, ExpAvgSq);
    }

    /// <summary>One group's options as a step reads them: those it shares with RAdam, and <c>momentum_decay</c>.</summary>
    private readonly record struct Hyper(NAdamRAdamHyper Common, double MomentumDecay);

    /// <summary>
    /// One parameter's scalars for this step (they depend on its own <c>step</c> and
    /// <c>mu_product</c>): the momentum schedule, <c>bias_correction2</c>, and the <c>addcdiv</c>
    /// values of the gradient and <c>exp_avg</c> terms.
    /// </summary>
    private readonly record struct StepScalars(Hyper H, double Step, double Mu, double MuNext, double MuProduct, double BiasCorrection2,
                                               double GradCoefficient, double AvgCoefficient);

    private readonly ElementwiseSteps<Algorithm, ParamState, Hyper, StepScalars> _steps = new();

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => _steps.Check(this, group);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group) => _steps.Step(this, group);

    /// <summary>NAdam's options, state, reference path and kernel math, for the shared skeleton.</summary>
    private readonly struct Algorithm : IElementwiseAlgorithm<ParamState, Hyper, StepScalars>
    {
        public static string Name => nameof(NAdam);

        public static Hyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
            => new(NAdamRAdamHyper.Read(Name, group, ps, anySparse, path), group.GetDouble("momentum_decay"));

        public static ParamState ReadState(in StepStateEntries e, in Hyper h)
            => new(e.Step(), e.Scalar("mu_product"), e.Elementwise("exp_avg"), e.Elementwise("exp_avg_sq"));

        /// <summary>At the start of the schedule, in PyTorch's key order.</summary>
        public static void CreateState(OrderedDictionary<string, object?> state, Tensor p, in Hyper h)
        {
            state["step"] = ScalarState.NewStep();
            state["mu_product"] = ScalarState.New(1);
            NAdamRAdamMoments.AddZeroMoments(state, p);
        }

        /// <summary>PyTorch's <c>_single_tensor_nadam</c>, operation for operation (both of its branches).</summary>
        public static void Reference(List<Tensor> ps, List<ParamState> states, in Hyper hyper)
        {
            var (h, lr, momentumDecay, differentiable) = (hyper.Common.Moments, hyper.Common.Lr.Reference, hyper.MomentumDecay, hyper.Common.Differentiable);
            for (int i = 0; i < ps.Count; i++)
            {
                var (param, state) = (ps[i], states[i]);
                var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
                var (step, mu, muNext) = AdvanceSchedule(state, h.Beta1, momentumDecay);
                double biasCorrection2 = 1 - Math.Pow(h.Beta2, step);
                grad = NAdamRAdamMoments.ApplyWeightDecay(param, grad, lr, h.WeightDecay, h.Decoupled);
                NAdamRAdamMoments.Update(state.ExpAvg, state.ExpAvgSq, grad, h.Beta1, h.Beta2);
                var denom = state.ExpAvgSq.Div(biasCorrection2).Sqrt();
                if (differentiable)
                {
                    // Scaling the tensors themselves, not addcdiv's number, lets autograd reach lr and the state.
                    denom = denom.Add(h.Eps);
                    var (gradCoef, avgCoef) = Coefficients(lr, mu, muNext, PyNumber.Of(state.MuProduct));
                    param.Addcdiv_(gradCoef.Times(grad), denom);
                    param.Addcdiv_(avgCoef.Times(state.ExpAvg), denom);
                }
                else
                {
                    var (gradCoef, avgCoef) = Coefficients(lr, mu, muNext, state.MuProduct.Item());
                    denom.Add_(h.Eps);
                    param.Addcdiv_(grad, denom, value: gradCoef.Value);
                    param.Addcdiv_(state.ExpAvg, denom, value: avgCoef.Value);
                }
            }
        }

        /// <summary>
        /// Moves <c>mu_product</c> on by this step's <c>mu</c> (a 0-d op, rounded in its dtype) and
        /// computes the coefficients; parameters usually share their step and <c>mu_product</c>, and then every scalar.
        /// </summary>
        public static StepScalars Scalars(in ParamState state, Tensor param, double step, in Hyper h, in StepScalars previous, bool hasPrevious)
        {
            bool sameStep = hasPrevious && step == previous.Step;
            var (mu, muNext) = sameStep ? (previous.Mu, previous.MuNext) : Momentum(step, h.Common.Moments.Beta1, h.MomentumDecay);
            double biasCorrection2 = sameStep ? previous.BiasCorrection2 : 1 - Math.Pow(h.Common.Moments.Beta2, step);
            double muProduct = ScalarStateUpdate.Multiply(state.MuProduct, mu);
            if (sameStep && muProduct == previous.MuProduct) return previous;
            var (gradCoef, avgCoef) = Coefficients(h.Common.Lr.Kernel, mu, muNext, muProduct);
            return new(h, step, mu, muNext, muProduct, biasCorrection2, gradCoef, avgCoef);
        }

        public static void Chunk<T, TMath, TVec>(in StepScalars s, in ElementChunk<T> chunk)
            where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
            => ElementwiseDriver<T, TVec>.Run(new Op<T, TMath, TVec>(s), chunk);
    }

    /// <summary>The momentum schedule's <c>mu</c> and <c>mu_next</c> for step <paramref name="step"/>, in double as PyTorch's Python computes them.</summary>
    private static (double Mu, double MuNext) Momentum(double step, double beta1, double momentumDecay)
        => (beta1 * (1.0 - 0.5 * Math.Pow(0.96, step * momentumDecay)), beta1 * (1.0 - 0.5 * Math.Pow(0.96, (step + 1) * momentumDecay)));

    /// <summary>
    /// This step's momentum schedule for one parameter on the reference path: <c>step_t += 1</c>,
    /// <c>mu</c> and <c>mu_next</c> from the new step, and <c>mu_product *= mu</c> (a 0-d tensor op,
    /// rounded in <c>mu_product</c>'s dtype).
    /// </summary>
    private static (double Step, double Mu, double MuNext) AdvanceSchedule(ParamState state, double beta1, double momentumDecay)
    {
        double step = ScalarState.Increment(state.Step);
        var (mu, muNext) = Momentum(step, beta1, momentumDecay);
        using (Torch.NoGrad()) state.MuProduct.Mul_(mu);
        return (step, mu, muNext);
    }

    /// <summary>
    /// The factors of the gradient and <c>exp_avg</c> terms, <c>-lr * (1 - mu) / (1 - mu_product)</c> and
    /// <c>-lr * mu_next / (1 - mu_product * mu_next)</c>: numbers or 0-d tensors as PyTorch computes them
    /// (<paramref name="muProduct"/> is the tensor on the differentiable path, its value otherwise).
    /// </summary>
    private static (PyNumber Grad, PyNumber Avg) Coefficients(PyNumber lr, double mu, double muNext, PyNumber muProduct)
    {
        var muProductNext = muProduct * muNext;
        return (-lr * (1.0 - mu) / (1.0 - muProduct), -lr * muNext / (1.0 - muProductNext));
    }

    /// <summary>
    /// The same factors for the kernels, from <c>mu_product</c>'s value, with the same rounding but
    /// without building tensors (a tensor lr's results rounded to its dtype, as its 0-d tensor ops round them).
    /// </summary>
    private static (double Grad, double Avg) Coefficients(HyperScalar lr, double mu, double muNext, double muProduct)
    {
        double muProductNext = muProduct * muNext;
        return ((-lr * (1.0 - mu) / (1.0 - muProduct)).Value, (-lr * muNext / (1.0 - muProductNext)).Value);
    }

    /// <summary>One vector of NAdam, in the reference path's order of operations. Buffers: exp_avg, exp_avg_sq.</summary>
    private readonly struct Op<T, TMath, TVec>(StepScalars s) : IElementOp<T, TVec>
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
    {
        private readonly DecayedMoments<T, TVec> _moments = DecayedMoments<T, TVec>.Of(s.H.Common.Moments, s.H.Common.DecayFactor);
        private readonly TVec _bc2 = TVec.Create(T.CreateTruncating(s.BiasCorrection2)), _eps = TVec.Create(T.CreateTruncating(s.H.Common.Moments.Eps)),
            _gradCoef = TVec.Create(T.CreateTruncating(s.GradCoefficient)), _avgCoef = TVec.Create(T.CreateTruncating(s.AvgCoefficient));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref TVec p, TVec g, ref TVec expAvg, ref TVec expAvgSq, ref TVec unused)
        {
            _moments.Apply(ref p, ref g, ref expAvg, ref expAvgSq);
            var denom = TVec.Sqrt(expAvgSq / _bc2) + _eps;
            p += _gradCoef * g / denom;
            p += _avgCoef * expAvg / denom;
        }
    }
}
