using System.Numerics;
using System.Runtime.CompilerServices;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Rectified Adam — PyTorch's <c>torch.optim.RAdam</c>. While the approximated length of the
/// simple moving average, <c>rho_t</c>, is at most 5 a step is plain bias-corrected momentum; from
/// then on the adaptive step is scaled by the variance rectification term. The choice is made per
/// parameter and per step from its own <c>step</c>, exactly as PyTorch's single-tensor path makes it
/// (<c>rho_t &gt; 5.0</c> in double precision). With <c>decoupledWeightDecay</c> it is RAdamW.
/// State per parameter: <c>step</c> (a 0-d tensor of the scalar dtype), <c>exp_avg</c>, <c>exp_avg_sq</c>.
/// Sparse gradients are refused, as in PyTorch.
/// </summary>
public sealed class RAdam : Optimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a number or a one-element tensor (default 1e-3).</param>
    /// <param name="betas">Coefficients of the running averages of the gradient and its square (default (0.9, 0.999)).</param>
    /// <param name="eps">Added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">Weight decay: an L2 penalty, or decoupled (see <paramref name="decoupledWeightDecay"/>).</param>
    /// <param name="decoupledWeightDecay">Decay the parameters directly, as AdamW does (RAdamW), instead of adding an L2 term to the gradient.</param>
    /// <param name="foreach">False: the reference path. True: the kernel path with the reference's exact rounding. Null: the fastest path (the kernel with fused multiply-adds).</param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="capturable">Accepted for PyTorch compatibility and stored in the groups; CUDA-graph capture does not exist on the CPU, so it changes nothing here: the non-capturable math runs, with its per-step branch on <c>rho_t</c> (PyTorch itself refuses to step a capturable optimizer on CPU tensors).</param>
    /// <param name="differentiable">Record the step for autograd (reference path).</param>
    public RAdam(OptimizerParams parameters, FloatOrTensor? lr = null, (double, double)? betas = null, double eps = 1e-8,
                 double weightDecay = 0, bool decoupledWeightDecay = false, bool? @foreach = null, bool maximize = false,
                 bool capturable = false, bool differentiable = false)
        : base(parameters, MakeDefaults(lr ?? 1e-3, betas ?? AdamFamilyOptions.DefaultBetas, eps, weightDecay, decoupledWeightDecay,
                                        @foreach, maximize, capturable, differentiable))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, (double, double) betas, double eps, double weightDecay,
        bool decoupledWeightDecay, bool? forEach, bool maximize, bool capturable, bool differentiable)
    {
        AdamFamilyOptions.CheckNAdamRAdam(lr, betas, eps, weightDecay);
        return new()
        {
            ["lr"] = lr.AsOption,
            ["betas"] = betas,
            ["eps"] = eps,
            ["weight_decay"] = weightDecay,
            ["maximize"] = maximize,
            ["foreach"] = forEach,
            ["capturable"] = capturable,
            ["decoupled_weight_decay"] = decoupledWeightDecay,
            ["differentiable"] = differentiable,
        };
    }

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["exp_avg", "exp_avg_sq"];

    /// <inheritdoc/>
    protected override IEnumerable<string> ScalarStateKeys => ["step"];

    /// <inheritdoc/>
    protected override void SetGroupDefaults(ParamGroup group)
    {
        group.SetDefault("foreach", null);
        group.SetDefault("maximize", false);
        group.SetDefault("differentiable", false);
        group.SetDefault("decoupled_weight_decay", false);
        group.SetDefault("capturable", false);
    }

    /// <summary>One parameter's state tensors.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor ExpAvg, Tensor ExpAvgSq) : IElementwiseState
    {
        Tensor? IElementwiseState.Step => Step;

        public KernelBuffers Buffers => new(ExpAvg, ExpAvgSq);
    }

    /// <summary>
    /// One parameter's scalars for this step: <c>lr</c>'s value, <c>bias_correction1</c>, and
    /// whether this step is rectified, with <c>bias_correction2 ** 0.5</c> and the rectification term when it is.
    /// </summary>
    private readonly record struct StepScalars(NAdamRAdamHyper H, double Step, double Lr, double BiasCorrection1, bool Rectified,
                                               double SqrtBiasCorrection2, double Rect);

    private readonly ElementwiseSteps<Algorithm, ParamState, NAdamRAdamHyper, StepScalars> _steps = new();

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => _steps.Check(this, group);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group) => _steps.Step(this, group);

    /// <summary>RAdam's options, state, reference path and kernel math, for the shared skeleton.</summary>
    private readonly struct Algorithm : IElementwiseAlgorithm<ParamState, NAdamRAdamHyper, StepScalars>
    {
        public static string Name => nameof(RAdam);

        public static NAdamRAdamHyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
            => NAdamRAdamHyper.Read(Name, group, ps, anySparse, path);

        public static ParamState ReadState(in StepStateEntries e, in NAdamRAdamHyper h) => new(e.Step(), e.Elementwise("exp_avg"), e.Elementwise("exp_avg_sq"));

        /// <summary>At zero, in PyTorch's key order.</summary>
        public static void CreateState(OrderedDictionary<string, object?> state, Tensor p, in NAdamRAdamHyper h)
        {
            state["step"] = ScalarState.NewStep();
            NAdamRAdamMoments.AddZeroMoments(state, p);
        }

        /// <summary>PyTorch's <c>_single_tensor_radam</c> (non-capturable), operation for operation.</summary>
        public static void Reference(List<Tensor> ps, List<ParamState> states, in NAdamRAdamHyper hyper)
        {
            var (h, lr, differentiable) = (hyper.Moments, hyper.Lr.Reference, hyper.Differentiable);
            for (int i = 0; i < ps.Count; i++)
            {
                var (param, state) = (ps[i], states[i]);
                var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
                double step = ScalarState.Increment(state.Step);
                grad = NAdamRAdamMoments.ApplyWeightDecay(param, grad, lr, h.WeightDecay, h.Decoupled);
                NAdamRAdamMoments.Update(state.ExpAvg, state.ExpAvgSq, grad, h.Beta1, h.Beta2);
                var (biasCorrection1, biasCorrection2, rectified, rect) = Schedule(step, h.Beta1, h.Beta2);
                var biasCorrectedExpAvg = state.ExpAvg.Div(biasCorrection1);
                if (rectified)
                {
                    var sqrt = state.ExpAvgSq.Sqrt();
                    sqrt = differentiable ? sqrt.Add(h.Eps) : sqrt.Add_(h.Eps);
                    var adaptiveLr = (Math.Pow(biasCorrection2, 0.5) / (PyNumber)sqrt).Tensor!;
                    param.Add_(lr.Times(biasCorrectedExpAvg).Mul(adaptiveLr).Mul(rect), alpha: -1.0);
                }
                else param.Add_(lr.Times(biasCorrectedExpAvg), alpha: -1.0);
            }
        }

        /// <summary>The scalars depend on the step alone, which parameters usually share.</summary>
        public static StepScalars Scalars(in ParamState state, Tensor param, double step, in NAdamRAdamHyper h, in StepScalars previous, bool hasPrevious)
        {
            if (hasPrevious && step == previous.Step) return previous;
            var (biasCorrection1, biasCorrection2, rectified, rect) = Schedule(step, h.Moments.Beta1, h.Moments.Beta2);
            return new(h, step, h.Lr.Kernel.Value, biasCorrection1, rectified, Math.Pow(biasCorrection2, 0.5), rect);
        }

        public static void Chunk<T, TMath, TVec>(in StepScalars s, in ElementChunk<T> chunk)
            where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
            => ElementwiseDriver<T, TVec>.Run(new Op<T, TMath, TVec>(s), chunk);
    }

    /// <summary>
    /// The bias corrections and the rectification decision for one parameter's new
    /// <paramref name="step"/>, in double precision as PyTorch's Python code computes them:
    /// <c>rho_inf = 2 / (1 - beta2) - 1</c>, <c>rho_t = rho_inf - 2 step beta2^step / (1 - beta2^step)</c>;
    /// rectified when <c>rho_t &gt; 5</c>, with
    /// <c>rect = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))</c>.
    /// </summary>
    private static (double BiasCorrection1, double BiasCorrection2, bool Rectified, double Rect) Schedule(double step, double beta1, double beta2)
    {
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        double rhoInf = 2 / (1 - beta2) - 1;
        double rhoT = rhoInf - 2 * step * Math.Pow(beta2, step) / biasCorrection2;
        if (!(rhoT > 5.0)) return (biasCorrection1, biasCorrection2, false, double.NaN);
        double rect = Math.Pow((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT), 0.5);
        return (biasCorrection1, biasCorrection2, true, rect);
    }

    /// <summary>One vector of RAdam, in the reference path's order of operations. Buffers: exp_avg, exp_avg_sq.</summary>
    private readonly struct Op<T, TMath, TVec>(StepScalars s) : IElementOp<T, TVec>
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
    {
        private readonly DecayedMoments<T, TVec> _moments = DecayedMoments<T, TVec>.Of(s.H.Moments, s.H.DecayFactor);
        private readonly TVec _lr = TVec.Create(T.CreateTruncating(s.Lr)), _bc1 = TVec.Create(T.CreateTruncating(s.BiasCorrection1)),
            _eps = TVec.Create(T.CreateTruncating(s.H.Moments.Eps)), _sqrtBc2 = TVec.Create(T.CreateTruncating(s.SqrtBiasCorrection2)),
            _rect = TVec.Create(T.CreateTruncating(s.Rect));
        private readonly bool _rectified = s.Rectified;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref TVec p, TVec g, ref TVec expAvg, ref TVec expAvgSq, ref TVec unused)
        {
            _moments.Apply(ref p, ref g, ref expAvg, ref expAvgSq);
            var update = expAvg / _bc1 * _lr;
            if (_rectified) update = update * (TVec.Create(T.One) / (TVec.Sqrt(expAvgSq) + _eps) * _sqrtBc2) * _rect;
            p -= update;
        }
    }
}
