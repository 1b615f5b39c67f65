using System.Numerics;
using System.Runtime.CompilerServices;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, weight decay
/// and maximisation — PyTorch's <c>torch.optim.SGD</c>. State: <c>momentum_buffer</c> per parameter
/// when <c>momentum != 0</c> (none at all otherwise). Sparse gradients are accepted except with
/// <c>fused: true</c>, as in PyTorch.
/// </summary>
public sealed class SGD : Optimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Learning rate, a number or a one-element tensor (default 1e-3).</param>
    /// <param name="momentum">Momentum factor.</param>
    /// <param name="dampening">Dampening for momentum.</param>
    /// <param name="weightDecay">L2 penalty.</param>
    /// <param name="nesterov">Nesterov momentum (needs momentum and zero dampening).</param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="foreach">True: the kernel path with the reference's exact rounding. Null with <paramref name="fused"/> null: the fastest path.</param>
    /// <param name="differentiable">Record the step for autograd (reference path).</param>
    /// <param name="fused">True: the kernel path with fused multiply-adds.</param>
    public SGD(OptimizerParams parameters, FloatOrTensor? lr = null, double momentum = 0, double dampening = 0,
               double weightDecay = 0, bool nesterov = false, bool maximize = false, bool? @foreach = null,
               bool differentiable = false, bool? fused = null)
        : base(parameters, MakeDefaults(lr ?? 1e-3, momentum, dampening, weightDecay, nesterov, maximize, @foreach, differentiable, fused))
    {
        Validation.CheckFusedFlags(@foreach, fused, differentiable);
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, double momentum, double dampening, double weightDecay,
        bool nesterov, bool maximize, bool? forEach, bool differentiable, bool? fused)
    {
        Validation.CheckLr(lr, LrCheck.AcceptingNaN);
        Validation.CheckNotBelowZero(momentum, "momentum", nameof(momentum));
        Validation.CheckNotBelowZero(weightDecay, "weight_decay", nameof(weightDecay));
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening", nameof(nesterov));
        return new()
        {
            ["lr"] = lr.AsOption,
            ["momentum"] = momentum,
            ["dampening"] = dampening,
            ["weight_decay"] = weightDecay,
            ["nesterov"] = nesterov,
            ["maximize"] = maximize,
            ["foreach"] = forEach,
            ["differentiable"] = differentiable,
            ["fused"] = fused,
        };
    }

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["momentum_buffer"];

    /// <inheritdoc/>
    protected override void SetGroupDefaults(ParamGroup group)
    {
        group.SetDefault("nesterov", false);
        group.SetDefault("maximize", false);
        group.SetDefault("foreach", null);
        group.SetDefault("differentiable", false);
        group.SetDefault("fused", false);
    }

    private readonly ElementwiseSteps<Algorithm, MomentumBuffer, Hyper, Scalars> _steps = new();

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => _steps.Check(this, group);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group) => _steps.Step(this, group);

    /// <summary>A parameter's momentum buffer (null before its first momentum step), and whether this step made it.</summary>
    private readonly record struct MomentumBuffer(Tensor? Buffer, bool IsNew) : IElementwiseState
    {
        Tensor? IElementwiseState.Step => null;

        public KernelBuffers Buffers => new(Buffer);
    }

    /// <summary>One group's options as a step reads them (<see cref="LrTensor"/>: a tensor lr, read on the reference path only).</summary>
    private readonly record struct Hyper(double Lr, double Momentum, double Dampening, double WeightDecay, bool Nesterov, bool Maximize, Tensor? LrTensor);

    /// <summary>The kernel's scalars for one parameter: the options, and whether its buffer starts this step.</summary>
    private readonly record struct Scalars(Hyper H, bool NewBuffer);

    /// <summary>SGD's options, state, reference path and kernel math, for the shared skeleton.</summary>
    private readonly struct Algorithm : IElementwiseAlgorithm<MomentumBuffer, Hyper, Scalars>
    {
        public static string Name => nameof(SGD);

        public static Hyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path)
        {
            if (anySparse && group.GetNullableBool("fused") == true)
                throw new InvalidOperationException("`_fused_sgd` does not support sparse gradients");
            return new(group.Lr, group.GetDouble("momentum"), group.GetDouble("dampening"), group.GetDouble("weight_decay"),
                       group.GetBool("nesterov"), group.GetBool("maximize"), path == StepImplementation.Reference ? group.Peek("lr") as Tensor : null);
        }

        /// <summary>Without momentum PyTorch keeps no state at all, not even an empty one.</summary>
        public static bool KeepsState(in Hyper h) => h.Momentum != 0;

        /// <summary>A parameter's <c>momentum_buffer</c>: absent until its first momentum step, which stores the buffer it makes.</summary>
        public static MomentumBuffer ReadState(in StepStateEntries e, in Hyper h)
            => e.OptionalElementwise("momentum_buffer") is { } buffer ? new(buffer, IsNew: false) : new(null, IsNew: true);

        public static void CreateState(OrderedDictionary<string, object?> state, Tensor param, in Hyper h) { }

        /// <summary>PyTorch's <c>_single_tensor_sgd</c>, operation for operation.</summary>
        public static void Reference(List<Tensor> ps, List<MomentumBuffer> buffers, in Hyper h)
        {
            for (int i = 0; i < ps.Count; i++)
            {
                var param = ps[i];
                var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
                if (h.WeightDecay != 0) grad = grad.Add(param, alpha: h.WeightDecay);
                if (h.Momentum != 0)
                {
                    var buf = buffers[i].Buffer;
                    if (buf is null) buffers[i] = new(buf = grad.Detach().Clone(), IsNew: true);
                    else buf.Mul_(h.Momentum).Add_(grad, alpha: 1 - h.Dampening);
                    grad = h.Nesterov ? grad.Add(buf, alpha: h.Momentum) : buf;
                }
                if (h.LrTensor is { RequiresGrad: true } lrTensor) param.Addcmul_(grad, lrTensor, value: -1);
                else param.Add_(grad, alpha: -h.Lr);
            }
        }

        public static Scalars Scalars(in MomentumBuffer state, Tensor param, double step, in Hyper h, in Scalars previous, bool hasPrevious)
            => new(h, state.IsNew);

        /// <summary>A new buffer starts as the (decayed) gradient: the kernel writes it whole, so zeros are only a placeholder.</summary>
        public static void BeforeKernel(List<Tensor> ps, List<MomentumBuffer> buffers, in Hyper h)
        {
            for (int i = 0; i < buffers.Count; i++)
                if (buffers[i].IsNew) buffers[i] = new(Torch.ZerosLike(ps[i]), IsNew: true);
        }

        /// <summary>Buffers are updated in place; only the ones this step made go into the state (which gathering made).</summary>
        public static void AfterStep(Optimizer owner, List<Tensor> ps, List<MomentumBuffer> buffers, in Hyper h, StepImplementation path)
        {
            for (int i = 0; i < buffers.Count; i++)
                if (buffers[i].IsNew) owner.State[ps[i]]["momentum_buffer"] = buffers[i].Buffer;
        }

        public static void Chunk<T, TMath, TVec>(in Scalars scalars, in ElementChunk<T> chunk)
            where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
            => ElementwiseDriver<T, TVec>.Run(new Op<T, TMath, TVec>(scalars.H, scalars.NewBuffer), chunk);
    }

    /// <summary>
    /// One vector of SGD: <c>g = ±grad (+ wd·p)</c>; with momentum <c>buf = g</c> at its first step,
    /// else <c>buf = m·buf + (1-dampening)·g</c>, and <c>g = g + m·buf</c> (Nesterov) or <c>buf</c>;
    /// <c>p -= lr·g</c>. The reference's operations in its order; each multiply-add is one
    /// <c>add(alpha=)</c> of the reference, rounded once in either numerics mode.
    /// </summary>
    private readonly struct Op<T, TMath, TVec>(Hyper h, bool newBuffer) : IElementOp<T, TVec>
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>
    {
        // Hyper-parameters cast to the element type first, as PyTorch's CPU kernels cast alpha/value.
        private readonly TVec _wd = TVec.Create(T.CreateTruncating(h.WeightDecay)), _m = TVec.Create(T.CreateTruncating(h.Momentum)),
            _oneMinusDampening = TVec.Create(T.CreateTruncating(1 - h.Dampening)), _negLr = TVec.Create(T.CreateTruncating(-h.Lr));
        private readonly bool _decay = h.WeightDecay != 0, _momentum = h.Momentum != 0, _maximize = h.Maximize, _nesterov = h.Nesterov,
            _newBuffer = newBuffer;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref TVec p, TVec g, ref TVec buffer, ref TVec unused, ref TVec unused2)
        {
            if (_maximize) g = -g;
            if (_decay) g = TVec.MulAdd(_wd, p, g);
            if (_momentum)
            {
                buffer = _newBuffer ? g : TVec.MulAdd(_oneMinusDampening, g, buffer * _m);
                g = _nesterov ? TVec.MulAdd(_m, buffer, g) : buffer;
            }
            p = TVec.MulAdd(_negLr, g, p);
        }
    }
}
