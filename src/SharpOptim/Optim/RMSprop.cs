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
    public RMSprop(IEnumerable<object> parameters, FloatOrTensor? lr = null, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0,
                   double momentum = 0, bool centered = false, bool capturable = false, bool? @foreach = null, bool maximize = false,
                   bool differentiable = false)
        : base(parameters, MakeDefaults(lr ?? 1e-2, alpha, eps, weightDecay, momentum, centered, capturable, @foreach, maximize, differentiable))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, double alpha, double eps, double weightDecay,
        double momentum, bool centered, bool capturable, bool? forEach, bool maximize, bool differentiable)
    {
        Validation.CheckLrRefusingNaN(lr);
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

    protected override IEnumerable<string> ElementwiseStateKeys => ["square_avg", "momentum_buffer", "grad_avg"];

    protected override void SetGroupDefaults(ParamGroup group)
    {
        group.SetDefault("momentum", 0);
        group.SetDefault("centered", false);
        GroupDefaults.SetPathFlags(group);
    }

    protected override void StepGroup(ParamGroup group)
    {
        var ps = ParamsWithGrad(group);
        if (ps.Count == 0) return;
        StepGuards.CheckNoSparseGrad(nameof(RMSprop), ps);
        TensorLr.RefuseRecordedRequiresGrad(group, "addcdiv_", "'value'");
        var h = new RmspropHyper(group.Lr, group.GetDouble("alpha"), group.GetDouble("eps"), group.GetDouble("weight_decay"),
                                 group.GetDouble("momentum"), group.GetBool("centered"), group.GetBool("maximize"));

        var squareAvgs = new Tensor[ps.Count];
        var gradAvgs = new Tensor?[ps.Count];
        var buffers = new Tensor?[ps.Count];
        for (int i = 0; i < ps.Count; i++)
        {
            var state = StateFor(ps[i]);
            if (state.Count == 0)
            {
                state["step"] = ScalarState.NewStep();
                state["square_avg"] = Torch.ZerosLike(ps[i]);
            }
            // Made with the state as PyTorch does; made later when the group's options change
            // (PyTorch would fail on the missing entry).
            if (h.Momentum > 0 && !state.ContainsKey("momentum_buffer")) state["momentum_buffer"] = Torch.ZerosLike(ps[i]);
            if (h.Centered && !state.ContainsKey("grad_avg")) state["grad_avg"] = Torch.ZerosLike(ps[i]);
            squareAvgs[i] = (Tensor)state["square_avg"]!;
            if (h.Momentum > 0) buffers[i] = (Tensor)state["momentum_buffer"]!;
            if (h.Centered) gradAvgs[i] = (Tensor)state["grad_avg"]!;
            ScalarState.Increment((Tensor)state["step"]!);
        }

        switch (ResolveImplementation(group, hasSparseGrad: false))
        {
            case StepImplementation.Reference: Reference(ps, squareAvgs, gradAvgs, buffers, h, group.GetBool("differentiable")); break;
            case StepImplementation.ForEach:
                ElementwiseKernel.Run(ps, nameof(RMSprop), new Kernel<ExactMath>(ps, squareAvgs, gradAvgs, buffers, h), ps, squareAvgs, gradAvgs, buffers);
                break;
            default:
                ElementwiseKernel.Run(ps, nameof(RMSprop), new Kernel<FusedMath>(ps, squareAvgs, gradAvgs, buffers, h), ps, squareAvgs, gradAvgs, buffers);
                break;
        }
    }

    /// <summary>PyTorch's <c>_single_tensor_rmsprop</c>, operation for operation.</summary>
    private static void Reference(List<Tensor> ps, Tensor[] squareAvgs, Tensor?[] gradAvgs, Tensor?[] buffers, RmspropHyper h, bool differentiable)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            var param = ps[i];
            var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
            if (h.WeightDecay != 0) grad = grad.Add(param, alpha: h.WeightDecay);
            var squareAvg = squareAvgs[i];
            squareAvg.Mul_(h.Alpha).Addcmul_(grad, grad, value: 1 - h.Alpha);
            Tensor avg;
            if (h.Centered)
            {
                var gradAvg = gradAvgs[i]!;
                gradAvg.Lerp_(grad, 1 - h.Alpha);
                avg = squareAvg.Addcmul(gradAvg, gradAvg, value: -1).Sqrt_();
            }
            else avg = squareAvg.Sqrt();
            avg = differentiable ? avg.Add(h.Eps) : avg.Add_(h.Eps);
            if (h.Momentum > 0)
            {
                var buf = buffers[i]!;
                buf.Mul_(h.Momentum).Addcdiv_(grad, avg);
                param.Add_(buf, alpha: -h.Lr);
            }
            else param.Addcdiv_(grad, avg, value: -h.Lr);
        }
    }

    private readonly struct Kernel<TMath>(List<Tensor> ps, Tensor[] squareAvgs, Tensor?[] gradAvgs, Tensor?[] buffers, RmspropHyper h)
        : IElementwiseKernel where TMath : IKernelMath
    {
        public void Run<T>(int t, int start, int length) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            => RmspropKernel.Step<T, TMath>(ElementwiseKernel.Chunk<T>(ps[t], start, length), ElementwiseKernel.Chunk<T>(ps[t].Grad!, start, length),
                ElementwiseKernel.Chunk<T>(squareAvgs[t], start, length), OptionalChunk<T>(gradAvgs[t], start, length),
                OptionalChunk<T>(buffers[t], start, length), h);

        private static Span<T> OptionalChunk<T>(Tensor? tensor, int start, int length) where T : unmanaged
            => tensor is null ? default : ElementwiseKernel.Chunk<T>(tensor, start, length);
    }
}
