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
    public SGD(IEnumerable<object> parameters, FloatOrTensor? lr = null, double momentum = 0, double dampening = 0,
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

    protected override IEnumerable<string> ElementwiseStateKeys => ["momentum_buffer"];

    protected override void SetGroupDefaults(ParamGroup group)
    {
        group.SetDefault("nesterov", false);
        group.SetDefault("maximize", false);
        group.SetDefault("foreach", null);
        group.SetDefault("differentiable", false);
        group.SetDefault("fused", false);
    }

    /// <summary>A parameter's momentum buffer (null before its first momentum step), and whether this step made it.</summary>
    private readonly record struct MomentumBuffer(Tensor? Buffer, bool IsNew);

    // Lists kept between steps and refilled per group, so that a steady-state step allocates nothing.
    private readonly List<Tensor> _params = [];
    private readonly List<MomentumBuffer> _buffers = [];

    protected override void CheckGroup(ParamGroup group) => Gather(group, create: false);

    protected override void StepGroup(ParamGroup group)
    {
        var (implementation, h) = Gather(group, create: true);
        var (ps, buffers) = (_params, _buffers);
        switch (implementation)
        {
            case StepImplementation.Reference: Reference(ps, buffers, h, group["lr"] as Tensor); break;
            case StepImplementation.ForEach: Kernel<ExactMath>(ps, buffers, h); break;
            default: Kernel<FusedMath>(ps, buffers, h); break;
        }

        // Buffers are updated in place; only the ones this step made go into the state.
        for (int i = 0; i < buffers.Count; i++)
            if (buffers[i].IsNew) StateFor(ps[i])["momentum_buffer"] = buffers[i].Buffer;
    }

    /// <summary>
    /// Everything the step reads (parameters in <c>_params</c>, with momentum their buffers in
    /// <c>_buffers</c>, the options), checked before it changes anything.
    /// </summary>
    private (StepImplementation, SgdHyper) Gather(ParamGroup group, bool create)
    {
        var ps = ParamsWithGrad(group, _params, out bool hasSparseGrad);
        if (hasSparseGrad && group.GetNullableBool("fused") == true)
            throw new InvalidOperationException("`_fused_sgd` does not support sparse gradients");
        var h = new SgdHyper(group.Lr, group.GetDouble("momentum"), group.GetDouble("dampening"), group.GetDouble("weight_decay"),
                             group.GetBool("nesterov"), group.GetBool("maximize"));
        var implementation = ResolveImplementation(group, hasSparseGrad);
        string? kernel = implementation == StepImplementation.Reference ? null : nameof(SGD);
        // Without momentum there are no buffers: the list stays empty and nothing reads it.
        if (h.Momentum != 0) GatherStates(ps, _buffers, new StateSchema(), create, kernel);
        else
        {
            _buffers.Clear();
            // The kernel refuses these itself before it changes anything, but only once the groups
            // before have stepped: the checks of every group before a step (CheckGroup) refuse them first.
            if (!create && kernel is not null) StepGuards.CheckKernelDTypes(kernel, ps);
        }
        return (implementation, h);
    }

    /// <summary>A parameter's <c>momentum_buffer</c>: absent until its first momentum step, which stores the buffer it makes.</summary>
    private readonly struct StateSchema : IStepStateSchema<MomentumBuffer>
    {
        public MomentumBuffer Read(in StepStateEntries e)
            => e.OptionalElementwise("momentum_buffer") is { } buffer ? new(buffer, IsNew: false) : new(null, IsNew: true);

        public bool LacksEntries(in MomentumBuffer state) => false;

        public void Create(OrderedDictionary<string, object?> state, Tensor param) { }
    }

    /// <summary>PyTorch's <c>_single_tensor_sgd</c>, operation for operation.</summary>
    private static void Reference(List<Tensor> ps, List<MomentumBuffer> buffers, SgdHyper h, Tensor? lrTensor)
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
            if (lrTensor is { RequiresGrad: true }) param.Addcmul_(grad, lrTensor, value: -1);
            else param.Add_(grad, alpha: -h.Lr);
        }
    }

    /// <summary>The single-pass kernel over every parameter of the group at once.</summary>
    private static void Kernel<TMath>(List<Tensor> ps, List<MomentumBuffer> buffers, SgdHyper h) where TMath : IKernelMath
    {
        // A new buffer starts as the (decayed) gradient: the kernel writes it whole, so zeros are only a placeholder.
        for (int i = 0; i < buffers.Count; i++)
            if (buffers[i].IsNew) buffers[i] = new(Torch.ZerosLike(ps[i]), IsNew: true);
        ElementwiseKernel.Run(ps, nameof(SGD), new Chunks<TMath>(ps, buffers, h));
    }

    private readonly struct Chunks<TMath>(List<Tensor> ps, List<MomentumBuffer> buffers, SgdHyper h) : IElementwiseKernel
        where TMath : IKernelMath
    {
        public void Run<T>(int t, int start, int length) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var buffer = h.Momentum != 0 ? buffers[t] : default;
            if (start == 0) buffer.Buffer?.MarkModified();   // while its objects are in cache
            SgdKernel.Step<T, TMath>(ElementwiseKernel.Chunk<T>(ps[t], start, length), ElementwiseKernel.Chunk<T>(ps[t].Grad!, start, length),
                buffer.Buffer is { } b ? ElementwiseKernel.Chunk<T>(b, start, length) : default, buffer.IsNew, h);
        }
    }
}
