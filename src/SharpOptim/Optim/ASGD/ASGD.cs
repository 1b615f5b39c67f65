using System.Numerics;
using System.Runtime.CompilerServices;
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
    public ASGD(OptimizerParams parameters, FloatOrTensor? lr = null, double lambd = 1e-4, double alpha = 0.75, double t0 = 1e6,
                double weightDecay = 0, bool? @foreach = null, bool maximize = false, bool differentiable = false, bool capturable = false)
        : base(parameters, MakeDefaults(lr ?? 1e-2, lambd, alpha, t0, weightDecay, @foreach, maximize, differentiable, capturable))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, double lambd, double alpha, double t0, double weightDecay,
        bool? forEach, bool maximize, bool differentiable, bool capturable)
    {
        Validation.CheckLr(lr);
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

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["ax"];

    /// <inheritdoc/>
    protected override IEnumerable<string> ScalarStateKeys => ["step", "eta", "mu"];

    /// <inheritdoc/>
    protected override void SetGroupDefaults(ParamGroup group) => GroupDefaults.SetPathFlags(group);

    /// <summary>ASGD's options for one group, lr as the path takes it.</summary>
    private readonly record struct Hyper(double Lambd, double Alpha, double T0, double WeightDecay, bool Maximize, StepLr Lr, object? LrOption);

    /// <summary>One parameter's state tensors.</summary>
    private readonly record struct ParamState(Tensor Step, Tensor Eta, Tensor Mu, Tensor Ax) : IElementwiseState
    {
        Tensor? IElementwiseState.Step => Step;

        public KernelBuffers Buffers => new(Ax);
    }

    /// <summary>
    /// One parameter's scalars for this step, read from its state before the step updates it: the
    /// decay factor <c>1 - lambd * eta</c>, <c>eta</c> itself, and <c>mu</c> with whether it averages
    /// (<c>mu != 1</c>; otherwise <c>ax</c> is just a copy of the parameter); and the schedule's next
    /// values for the step, which parameters with the same step share.
    /// </summary>
    private readonly record struct Scalars(double Step, double DecayFactor, double Eta, double Mu, bool Averaging,
        double NextEta, double NextMu, double WeightDecay, bool Maximize);

    private readonly ElementwiseSteps<Algorithm, ParamState, Hyper, Scalars> _steps = new();

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => _steps.Check(this, group);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group) => _steps.Step(this, group);

    /// <summary>ASGD's options, state, reference path and kernel math, for the shared skeleton.</summary>
    private readonly struct Algorithm : IElementwiseAlgorithm<ParamState, Hyper, Scalars>
    {
        public static string Name => nameof(ASGD);

        public static Hyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
        {
            StepGuards.CheckDenseStep(Name, group, ps, anySparse);
            return new(group.GetDouble("lambd"), group.GetDouble("alpha"), group.GetDouble("t0"), group.GetDouble("weight_decay"),
                       group.GetBool("maximize"), StepLr.Read(group, path), group.Peek("lr"));
        }

        public static ParamState ReadState(in StepStateEntries e, in Hyper h) => new(e.Step(), e.Scalar("eta"), e.Scalar("mu"), e.Elementwise("ax"));

        /// <summary>In PyTorch's key order, <c>eta</c> from the lr option.</summary>
        public static void CreateState(OrderedDictionary<string, object?> state, Tensor p, in Hyper h)
        {
            var lr = PyNumber.FromOption(h.LrOption, "lr");
            state["step"] = ScalarState.NewStep();
            // torch.as_tensor(lr, dtype=scalar dtype).clone().detach(): lr's value, in the scalar dtype.
            state["eta"] = lr.Tensor is { } t ? StateValues.CloneDetached(t.To(ScalarState.DTypeFor())) : ScalarState.New(lr.Value);
            state["mu"] = ScalarState.New(1);
            state["ax"] = Torch.ZerosLike(p);
        }

        /// <summary>PyTorch's <c>_single_tensor_asgd</c> (non-capturable), operation for operation.</summary>
        public static void Reference(List<Tensor> ps, List<ParamState> states, in Hyper h)
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
                UpdateSchedule(state, h, h.Lr.Reference, step);
            }
        }

        /// <summary>Reads this step's eta and mu, then moves the state on to the next step's (the kernel changes only the element-wise state).</summary>
        public static Scalars Scalars(in ParamState state, Tensor param, double step, in Hyper h, in Scalars previous, bool hasPrevious)
        {
            double eta = state.Eta.Item(), mu = state.Mu.Item();
            var (nextEta, nextMu) = hasPrevious && step == previous.Step ? (previous.NextEta, previous.NextMu) : ScheduleValues(h, h.Lr.Kernel, step);
            ScalarStateUpdate.Assign(state.Eta, nextEta);
            ScalarStateUpdate.Assign(state.Mu, nextMu);
            return new(step, 1 - h.Lambd * eta, eta, mu, mu != 1, nextEta, nextMu, h.WeightDecay, h.Maximize);
        }

        public static void Chunk<T, TMath, TVec>(in Scalars s, in ElementChunk<T> chunk)
            where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
            => ElementwiseDriver<T, TVec>.Run(new Op<T, TMath, TVec>(s), chunk);

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
        private static void UpdateSchedule(ParamState state, Hyper h, PyNumber lr, double step)
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
    }

    /// <summary>
    /// One vector of ASGD, in the reference path's order: the decayed SGD step
    /// <c>p = p * (1 - lambd * eta) - eta * grad</c>, then the running average <c>ax += (p - ax) * mu</c>.
    /// The average is never contracted: PyTorch computes it as three tensor ops (<c>sub</c>, <c>mul_</c>,
    /// <c>add_</c>), each rounded, so the fused path stays equal to PyTorch's for-loop there too. Buffer: ax.
    /// </summary>
    private readonly struct Op<T, TMath, TVec>(Scalars s) : IElementOp<T, TVec>
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
    {
        private readonly TVec _wd = TVec.Create(T.CreateTruncating(s.WeightDecay)), _decay = TVec.Create(T.CreateTruncating(s.DecayFactor)),
            _negEta = TVec.Create(T.CreateTruncating(-s.Eta)), _mu = TVec.Create(T.CreateTruncating(s.Mu));
        private readonly bool _l2 = s.WeightDecay != 0, _maximize = s.Maximize, _averaging = s.Averaging;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref TVec p, TVec g, ref TVec ax, ref TVec unused1, ref TVec unused2)
        {
            if (_maximize) g = -g;
            if (_l2) g = TVec.MulAdd(_wd, p, g);
            p = TVec.MulAdd(_negEta, g, p * _decay);
            ax = _averaging ? ax + (p - ax) * _mu : p;
        }
    }
}
