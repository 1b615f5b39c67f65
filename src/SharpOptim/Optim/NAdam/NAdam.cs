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
    public NAdam(IEnumerable<object> parameters, FloatOrTensor? lr = null, (double, double)? betas = null, double eps = 1e-8,
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

    protected override IEnumerable<string> ElementwiseStateKeys => ["exp_avg", "exp_avg_sq"];

    protected override IEnumerable<string> ScalarStateKeys => ["step", "mu_product"];

    protected override void SetGroupDefaults(ParamGroup group)
    {
        group.SetDefault("maximize", false);
        group.SetDefault("foreach", null);
        group.SetDefault("capturable", false);
        group.SetDefault("differentiable", false);
        group.SetDefault("decoupled_weight_decay", false);
    }

    /// <summary>One parameter's state tensors.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor MuProduct, Tensor ExpAvg, Tensor ExpAvgSq) : IMomentState;

    // Lists kept between steps and refilled per group, so that a steady-state step allocates nothing.
    private readonly List<Tensor> _params = [];
    private readonly List<ParamState> _states = [];
    private NAdamStepScalars[] _scalars = [];

    protected override void CheckGroup(ParamGroup group) => Gather(group, create: false);

    protected override void StepGroup(ParamGroup group)
    {
        var (implementation, h, lr, momentumDecay) = Gather(group, create: true);
        var (ps, states) = (_params, _states);
        switch (implementation)
        {
            case StepImplementation.Reference: Reference(ps, states, h, lr.Reference, momentumDecay, group.GetBool("differentiable")); break;
            case StepImplementation.ForEach: Kernel<ExactMath>(ps, states, h, lr.Kernel, momentumDecay); break;
            default: Kernel<FusedMath>(ps, states, h, lr.Kernel, momentumDecay); break;
        }
    }

    /// <summary>
    /// Everything the step reads (parameters in <c>_params</c>, states in <c>_states</c>, the
    /// options, lr as the path takes it), checked before it changes anything.
    /// </summary>
    private (StepImplementation, MomentHyper, StepLr, double MomentumDecay) Gather(ParamGroup group, bool create)
    {
        var ps = ParamsWithGrad(group, _params, out bool anySparse);
        StepGuards.CheckDenseStep(nameof(NAdam), group, ps, anySparse);
        var implementation = ResolveImplementation(group, hasSparseGrad: false);
        var h = MomentHyper.Read(group);
        double momentumDecay = group.GetDouble("momentum_decay");
        var lr = StepLr.Read(group, implementation);
        GatherStates(ps, _states, new StateSchema(), create, implementation == StepImplementation.Reference ? null : nameof(NAdam));
        return (implementation, h, lr, momentumDecay);
    }

    /// <summary>A parameter's state: <c>step</c>, <c>mu_product</c>, <c>exp_avg</c>, <c>exp_avg_sq</c>.</summary>
    private readonly struct StateSchema : IStepStateSchema<ParamState>
    {
        public ParamState Read(in StepStateEntries e)
            => new(e.Step(), e.Scalar("mu_product"), e.Elementwise("exp_avg"), e.Elementwise("exp_avg_sq"));

        public bool LacksEntries(in ParamState state) => false;

        /// <summary>At the start of the schedule, in PyTorch's key order.</summary>
        public void Create(OrderedDictionary<string, object?> state, Tensor p)
        {
            state["step"] = ScalarState.NewStep();
            state["mu_product"] = ScalarState.New(1);
            NAdamRAdamMoments.AddZeroMoments(state, p);
        }
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

    /// <summary>PyTorch's <c>_single_tensor_nadam</c>, operation for operation (both of its branches).</summary>
    private static void Reference(List<Tensor> ps, List<ParamState> states, MomentHyper h, PyNumber lr, double momentumDecay, bool differentiable)
    {
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

    /// <summary>The single-pass kernel over every parameter of the group at once.</summary>
    private void Kernel<TMath>(List<Tensor> ps, List<ParamState> states, MomentHyper h, HyperScalar lr, double momentumDecay) where TMath : IKernelMath
    {
        if (_scalars.Length < ps.Count) _scalars = new NAdamStepScalars[ps.Count];
        double decayFactor = h.WeightDecay != 0 && h.Decoupled ? (1 - lr * h.WeightDecay).Value : 1;
        double previousStep = double.NaN, previousMuProduct = double.NaN, mu = 0, muNext = 0, biasCorrection2 = 0;
        for (int i = 0; i < ps.Count; i++)
        {
            double step = ScalarState.Increment(states[i].Step);
            if (step != previousStep)
            {
                (mu, muNext) = Momentum(step, h.Beta1, momentumDecay);
                biasCorrection2 = 1 - Math.Pow(h.Beta2, step);
            }
            double muProduct = ScalarStateUpdate.Multiply(states[i].MuProduct, mu);
            // Parameters usually share their step count and mu_product, and then every scalar.
            if (step == previousStep && muProduct == previousMuProduct) _scalars[i] = _scalars[i - 1];
            else
            {
                var (gradCoef, avgCoef) = Coefficients(lr, mu, muNext, muProduct);
                _scalars[i] = new NAdamStepScalars(decayFactor, biasCorrection2, gradCoef, avgCoef);
            }
            (previousStep, previousMuProduct) = (step, muProduct);
        }
        MomentKernels.Run(ps, states, nameof(NAdam), new NAdamChunk<TMath>(h, _scalars));
    }
}
