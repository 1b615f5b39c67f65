using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Averaged stochastic gradient descent — PyTorch's <c>torch.optim.ASGD</c>. Each step decays the
/// parameter by <c>1 - lambd * eta</c> and moves it by <c>-eta * grad</c>; <c>ax</c> holds the average
/// of the iterates from step <c>t0</c> on (before that, a copy of the parameter). Then
/// <c>eta = lr / (1 + lambd * lr * step)^alpha</c> and <c>mu = 1 / max(1, step - t0)</c>. State per
/// parameter: <c>step</c>, <c>eta</c> and <c>mu</c> (0-d tensors of the scalar dtype; <c>eta</c> and
/// <c>mu</c> take the parameter's dtype when a state dict is loaded, as in PyTorch) and <c>ax</c>.
/// Like PyTorch, <c>lambd</c>, <c>alpha</c> and <c>t0</c> are not validated. Sparse gradients are refused.
/// </summary>
public sealed class ASGD : Optimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a number or a one-element tensor (default 1e-2).</param>
    /// <param name="lambd">Decay term.</param>
    /// <param name="alpha">Power of the eta update.</param>
    /// <param name="t0">The step from which averaging starts.</param>
    /// <param name="weightDecay">L2 penalty.</param>
    /// <param name="foreach">False: the reference path. True: the kernel path with the reference's exact rounding. Null: the fastest path (the kernel with fused multiply-adds).</param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="differentiable">Record the step for autograd (reference path). As in PyTorch, the step reads <c>eta</c> as a number, so no gradient reaches a tensor <c>lr</c> through it.</param>
    /// <param name="capturable">Accepted for PyTorch compatibility and stored in the groups; CUDA-graph capture does not exist on the CPU, so it changes nothing here: the non-capturable math runs (PyTorch itself refuses to step a capturable optimizer on CPU tensors).</param>
    public ASGD(IEnumerable<object> parameters, FloatOrTensor? lr = null, double lambd = 1e-4, double alpha = 0.75, double t0 = 1e6,
                double weightDecay = 0, bool? @foreach = null, bool maximize = false, bool differentiable = false, bool capturable = false)
        : base(parameters, MakeDefaults(lr ?? 1e-2, lambd, alpha, t0, weightDecay, @foreach, maximize, differentiable, capturable))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, double lambd, double alpha, double t0, double weightDecay,
        bool? forEach, bool maximize, bool differentiable, bool capturable)
    {
        Validation.CheckLrRefusingNaN(lr);
        Validation.CheckNonNegative(weightDecay, "weight_decay", nameof(weightDecay));
        return new()
        {
            ["lr"] = lr.AsOption,
            ["lambd"] = lambd,
            ["alpha"] = alpha,
            ["t0"] = t0,
            ["weight_decay"] = weightDecay,
            ["foreach"] = forEach,
            ["maximize"] = maximize,
            ["differentiable"] = differentiable,
            ["capturable"] = capturable,
        };
    }

    protected override IEnumerable<string> ElementwiseStateKeys => ["ax"];

    protected override IEnumerable<string> ScalarStateKeys => ["step", "eta", "mu"];

    protected override void SetGroupDefaults(ParamGroup group) => GroupDefaults.SetPathFlags(group);

    /// <summary>ASGD's options for one group.</summary>
    private readonly record struct Hyper(double Lambd, double Alpha, double T0, double WeightDecay, bool Maximize);

    /// <summary>One parameter's state tensors.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor Eta, Tensor Mu, Tensor Ax);

    // Lists kept between steps and refilled per group, so that a steady-state step allocates nothing.
    private readonly List<Tensor> _params = [];
    private readonly List<ParamState> _states = [];
    private AsgdStepScalars[] _scalars = [];

    protected override void CheckGroup(ParamGroup group) => Gather(group, create: false);

    protected override void StepGroup(ParamGroup group)
    {
        var (implementation, h, lr) = Gather(group, create: true);
        var (ps, states) = (_params, _states);
        switch (implementation)
        {
            case StepImplementation.Reference: Reference(ps, states, h, lr.Reference); break;
            case StepImplementation.ForEach: Kernel<ExactMath>(ps, states, h, lr.Kernel); break;
            default: Kernel<FusedMath>(ps, states, h, lr.Kernel); break;
        }
    }

    /// <summary>
    /// Everything the step reads (parameters in <c>_params</c>, states in <c>_states</c>, the
    /// options, lr as the path takes it), checked before it changes anything.
    /// </summary>
    private (StepImplementation, Hyper, StepLr) Gather(ParamGroup group, bool create)
    {
        var ps = ParamsWithGrad(group, _params, out bool anySparse);
        StepGuards.CheckDenseStep(nameof(ASGD), group, ps, anySparse);
        var implementation = ResolveImplementation(group, hasSparseGrad: false);
        var h = new Hyper(group.GetDouble("lambd"), group.GetDouble("alpha"), group.GetDouble("t0"), group.GetDouble("weight_decay"),
                          group.GetBool("maximize"));
        var lr = StepLr.Read(group, implementation);
        GatherStates(ps, _states, new StateSchema(group.Peek("lr")), create, implementation == StepImplementation.Reference ? null : nameof(ASGD));
        return (implementation, h, lr);
    }

    /// <summary>A parameter's state: <c>step</c>, <c>eta</c>, <c>mu</c>, <c>ax</c>.</summary>
    private readonly struct StateSchema(object? lrOption) : IStepStateSchema<ParamState>
    {
        public ParamState Read(in StepStateEntries e) => new(e.Step(), e.Scalar("eta"), e.Scalar("mu"), e.Elementwise("ax"));

        public bool LacksEntries(in ParamState state) => false;

        /// <summary>In PyTorch's key order, <c>eta</c> from the lr option.</summary>
        public void Create(OrderedDictionary<string, object?> state, Tensor p)
        {
            var lr = PyScalar.FromOption(lrOption, "lr");
            state["step"] = ScalarState.NewStep();
            // torch.as_tensor(lr, dtype=scalar dtype).clone().detach(): lr's value, in the scalar dtype.
            state["eta"] = lr.Tensor is { } t ? StateValues.CloneDetached(t.To(ScalarState.DTypeFor())) : ScalarState.New(lr.Value);
            state["mu"] = ScalarState.New(1);
            state["ax"] = Torch.ZerosLike(p);
        }
    }

    /// <summary><c>mu = 1 / max(1, step - t0)</c>, with Python's <c>max</c>: 1 unless the difference is greater (a NaN t0 gives 1).</summary>
    private static double AveragingWeight(double step, double t0)
    {
        double sinceT0 = step - t0;
        return 1 / (sinceT0 > 1 ? sinceT0 : 1);
    }

    /// <summary>
    /// After the parameter's update: <c>eta = as_tensor(lr / (1 + lambd * lr * step) ** alpha)</c> and
    /// <c>mu = as_tensor(1 / max(1, step - t0))</c>, copied into the state tensors. A number becomes a
    /// tensor of the default dtype first (<c>torch.as_tensor</c> of a Python float), so it is rounded
    /// to float32 on the way even into a float64 state tensor, as in PyTorch.
    /// </summary>
    private static void UpdateSchedule(ParamState state, Hyper h, PyScalar lr, double step)
    {
        var eta = lr / ((1 + h.Lambd * lr * step).Pow(h.Alpha));
        state.Eta.Copy_(eta.Tensor ?? Torch.Scalar(eta.Value, Torch.DefaultDType));
        state.Mu.Copy_(Torch.Scalar(AveragingWeight(step, h.T0), Torch.DefaultDType));
    }

    /// <summary>
    /// The values <see cref="UpdateSchedule"/> copies into <c>eta</c> and <c>mu</c>, computed with the
    /// same rounding without building tensors: a tensor lr's results rounded to its dtype, a number's
    /// to the default dtype.
    /// </summary>
    private static (double Eta, double Mu) ScheduleValues(Hyper h, HyperScalar lr, double step)
    {
        var eta = lr / ((1 + h.Lambd * lr * step).Pow(h.Alpha));
        var defaultDType = Torch.DefaultDType;
        return (eta.TensorDType is null ? ScalarStateUpdate.RoundTo(defaultDType, eta.Value) : eta.Value,
                ScalarStateUpdate.RoundTo(defaultDType, AveragingWeight(step, h.T0)));
    }

    /// <summary>PyTorch's <c>_single_tensor_asgd</c> (non-capturable), operation for operation.</summary>
    private static void Reference(List<Tensor> ps, List<ParamState> states, Hyper h, PyScalar lr)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            var (param, state) = (ps[i], states[i]);
            var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
            double step = ScalarState.Increment(state.Step);
            if (h.WeightDecay != 0) grad = grad.Add(param, alpha: h.WeightDecay);
            double eta = state.Eta.Item();
            param.Mul_(1 - h.Lambd * eta);
            param.Add_(grad, alpha: -eta);
            if (state.Mu.Item() != 1) state.Ax.Add_(param.Sub(state.Ax).Mul_(state.Mu));
            else state.Ax.Copy_(param);
            UpdateSchedule(state, h, lr, step);
        }
    }

    /// <summary>The single-pass kernel over every parameter of the group at once.</summary>
    private void Kernel<TMath>(List<Tensor> ps, List<ParamState> states, Hyper h, HyperScalar lr) where TMath : IKernelMath
    {
        if (_scalars.Length < ps.Count) _scalars = new AsgdStepScalars[ps.Count];
        double previousStep = double.NaN, nextEta = 0, nextMu = 0;
        for (int i = 0; i < ps.Count; i++)
        {
            var state = states[i];
            double step = ScalarState.Increment(state.Step);
            double eta = state.Eta.Item(), mu = state.Mu.Item();
            _scalars[i] = new AsgdStepScalars(1 - h.Lambd * eta, eta, mu, mu != 1);
            // Parameters usually share their step count, and then the schedule's next values.
            if (step != previousStep) (nextEta, nextMu) = ScheduleValues(h, lr, step);
            previousStep = step;
            ScalarStateUpdate.Assign(state.Eta, nextEta);
            ScalarStateUpdate.Assign(state.Mu, nextMu);
        }
        ElementwiseKernel.Run(ps, nameof(ASGD), new Chunks<TMath>(ps, states, h, _scalars));
    }

    private readonly struct Chunks<TMath>(List<Tensor> ps, List<ParamState> states, Hyper h, AsgdStepScalars[] scalars) : IElementwiseKernel
        where TMath : IKernelMath
    {
        public void Run<T>(int t, int start, int length) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            if (start == 0) states[t].Ax.MarkModified();   // while its objects are in cache
            AsgdKernel.Step<T, TMath>(ElementwiseKernel.Chunk<T>(ps[t], start, length), ElementwiseKernel.Chunk<T>(ps[t].Grad!, start, length),
                ElementwiseKernel.Chunk<T>(states[t].Ax, start, length), h.WeightDecay, h.Maximize, scalars[t]);
        }
    }
}
