using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Adadelta — PyTorch's <c>torch.optim.Adadelta</c>: steps scaled by the ratio of running RMS of
/// past updates to running RMS of gradients. State per parameter (made at its first step):
/// <c>step</c> (0-d float32 tensor), <c>square_avg</c>, <c>acc_delta</c>. Sparse gradients are
/// refused, as in PyTorch.
/// </summary>
public sealed class Adadelta : Optimizer
{
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s.</param>
    /// <param name="lr">Coefficient scaling delta before it is applied, a number or a one-element tensor (default 1.0).</param>
    /// <param name="rho">Decay of the running averages, in [0, 1].</param>
    /// <param name="eps">Added inside the square roots for numerical stability.</param>
    /// <param name="weightDecay">L2 penalty.</param>
    /// <param name="foreach">True: the kernel path with the reference's exact rounding. Null: the fastest path (the kernel with fused multiply-adds).</param>
    /// <param name="capturable">
    /// Accepted and stored for PyTorch compatibility (CUDA-graph capture). On the CPU it changes
    /// nothing here: the non-capturable math runs. (PyTorch itself refuses capturable CPU
    /// parameters at the first step.)
    /// </param>
    /// <param name="maximize">Maximise the objective instead of minimising.</param>
    /// <param name="differentiable">Record the step for autograd (reference path).</param>
    public Adadelta(IEnumerable<object> parameters, FloatOrTensor? lr = null, double rho = 0.9, double eps = 1e-6, double weightDecay = 0,
                    bool? @foreach = null, bool capturable = false, bool maximize = false, bool differentiable = false)
        : base(parameters, MakeDefaults(lr ?? 1.0, rho, eps, weightDecay, @foreach, capturable, maximize, differentiable))
    {
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, double rho, double eps, double weightDecay,
        bool? forEach, bool capturable, bool maximize, bool differentiable)
    {
        Validation.CheckLrRefusingNaN(lr);
        if (!(rho >= 0 && rho <= 1)) throw new ArgumentOutOfRangeException(nameof(rho), rho, $"Invalid rho value: {PyRepr.Number(rho)}");
        Validation.CheckNonNegative(eps, "epsilon", nameof(eps));
        Validation.CheckNonNegative(weightDecay, "weight_decay", nameof(weightDecay));
        return new()
        {
            ["lr"] = lr.AsOption,
            ["rho"] = rho,
            ["eps"] = eps,
            ["weight_decay"] = weightDecay,
            ["maximize"] = maximize,
            ["capturable"] = capturable,
            ["foreach"] = forEach,
            ["differentiable"] = differentiable,
        };
    }

    protected override IEnumerable<string> ElementwiseStateKeys => ["square_avg", "acc_delta"];

    protected override void SetGroupDefaults(ParamGroup group) => GroupDefaults.SetPathFlags(group);

    protected override void StepGroup(ParamGroup group)
    {
        var ps = ParamsWithGrad(group);
        if (ps.Count == 0) return;
        StepGuards.CheckNoSparseGrad(nameof(Adadelta), ps);
        TensorLr.RefuseRecordedRequiresGrad(group, "add_", "'alpha'");
        var h = new AdadeltaHyper(group.Lr, group.GetDouble("rho"), group.GetDouble("eps"), group.GetDouble("weight_decay"), group.GetBool("maximize"));

        var squareAvgs = new Tensor[ps.Count];
        var accDeltas = new Tensor[ps.Count];
        for (int i = 0; i < ps.Count; i++)
        {
            var state = StateFor(ps[i]);
            if (state.Count == 0)
            {
                state["step"] = ScalarState.NewStep();
                state["square_avg"] = Torch.ZerosLike(ps[i]);
                state["acc_delta"] = Torch.ZerosLike(ps[i]);
            }
            squareAvgs[i] = (Tensor)state["square_avg"]!;
            accDeltas[i] = (Tensor)state["acc_delta"]!;
            ScalarState.Increment((Tensor)state["step"]!);
        }

        switch (ResolveImplementation(group, hasSparseGrad: false))
        {
            case StepImplementation.Reference: Reference(ps, squareAvgs, accDeltas, h, group.GetBool("differentiable")); break;
            case StepImplementation.ForEach: ElementwiseKernel.Run(ps, nameof(Adadelta), new Kernel<ExactMath>(ps, squareAvgs, accDeltas, h), ps, squareAvgs, accDeltas); break;
            default: ElementwiseKernel.Run(ps, nameof(Adadelta), new Kernel<FusedMath>(ps, squareAvgs, accDeltas, h), ps, squareAvgs, accDeltas); break;
        }
    }

    /// <summary>PyTorch's <c>_single_tensor_adadelta</c>, operation for operation.</summary>
    private static void Reference(List<Tensor> ps, Tensor[] squareAvgs, Tensor[] accDeltas, AdadeltaHyper h, bool differentiable)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            var param = ps[i];
            var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
            if (h.WeightDecay != 0) grad = grad.Add(param, alpha: h.WeightDecay);
            squareAvgs[i].Mul_(h.Rho).Addcmul_(grad, grad, value: 1 - h.Rho);
            var std = squareAvgs[i].Add(h.Eps).Sqrt_();
            var delta = accDeltas[i].Add(h.Eps).Sqrt_();
            if (differentiable) delta = delta.Clone();
            delta.Div_(std).Mul_(grad);
            accDeltas[i].Mul_(h.Rho).Addcmul_(delta, delta, value: 1 - h.Rho);
            param.Add_(delta, alpha: -h.Lr);
        }
    }

    private readonly struct Kernel<TMath>(List<Tensor> ps, Tensor[] squareAvgs, Tensor[] accDeltas, AdadeltaHyper h) : IElementwiseKernel
        where TMath : IKernelMath
    {
        public void Run<T>(int t, int start, int length) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            => AdadeltaKernel.Step<T, TMath>(ElementwiseKernel.Chunk<T>(ps[t], start, length), ElementwiseKernel.Chunk<T>(ps[t].Grad!, start, length),
                ElementwiseKernel.Chunk<T>(squareAvgs[t], start, length), ElementwiseKernel.Chunk<T>(accDeltas[t], start, length), h);
    }
}
