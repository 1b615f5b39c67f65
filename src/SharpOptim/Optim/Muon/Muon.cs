using System.Collections;
using System.Runtime.CompilerServices;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// Muon as PyTorch's <c>torch.optim.Muon</c>: SGD momentum (Nesterov by default) whose update is
/// orthogonalised by a Newton–Schulz iteration run in bfloat16, with decoupled weight decay and
/// a shape-dependent learning-rate adjustment. For 2-D params only (hidden-layer weight
/// matrices); optimise biases, embeddings and other params with another optimizer, as PyTorch's
/// documentation advises. State: <c>momentum_buffer</c> per param. Sparse gradients are refused.
/// </summary>
/// <remarks>
/// PyTorch's Muon has no <c>foreach</c>, <c>fused</c>, <c>maximize</c>, <c>capturable</c> or
/// <c>differentiable</c> option. <c>foreach</c> and <c>fused</c> are SharpOptim's own switches
/// between its paths (the reference path; the kernel path, whose element-wise momentum and param
/// updates run as single-pass SIMD kernels, rounding exactly as the reference or with fused
/// multiply-adds); they are stored in the group (after PyTorch's keys) only when given, so a
/// default state dict is PyTorch's exactly. The Newton–Schulz iteration is the same on every path
/// (see <see cref="NewtonSchulz"/>).
/// </remarks>
public sealed partial class Muon : Optimizer
{
    private static readonly string[] AdjustLrFns = ["original", "match_rms_adamw", "spectral_unclamped"];

    /// <param name="parameters">2-D tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s of them.</param>
    /// <param name="lr">Learning rate, a number or a one-element tensor (default 1e-3).</param>
    /// <param name="weightDecay">Decoupled weight decay coefficient (scaled by lr; default 0.1).</param>
    /// <param name="momentum">Momentum factor (default 0.95).</param>
    /// <param name="nesterov">Nesterov momentum (default true).</param>
    /// <param name="nsCoefficients">(a, b, c) of the quintic Newton–Schulz polynomial; default (3.4445, -4.775, 2.0315).</param>
    /// <param name="eps">Floor of the norm the update is divided by before the iteration (default 1e-7).</param>
    /// <param name="nsSteps">Newton–Schulz iterations (default 5, fewer than 100).</param>
    /// <param name="adjustLrFn">null or "original": lr·√max(1, A/B); "match_rms_adamw": lr·0.2·√max(A, B); "spectral_unclamped": lr·√(A/B), for an A×B param.</param>
    /// <param name="foreach">SharpOptim's option: true selects the kernel path with the reference's exact rounding, false the reference path.</param>
    /// <param name="fused">SharpOptim's option: true selects the kernel path with fused multiply-adds.</param>
    public Muon(OptimizerParams parameters, FloatOrTensor? lr = null, double weightDecay = 0.1, double momentum = 0.95,
                bool nesterov = true, (double A, double B, double C)? nsCoefficients = null, double eps = 1e-7, int nsSteps = 5,
                string? adjustLrFn = null, bool? @foreach = null, bool? fused = null)
        : base(parameters, MakeDefaults(lr ?? 1e-3, weightDecay, momentum, nesterov, nsCoefficients ?? (3.4445, -4.775, 2.0315),
                                        eps, nsSteps, adjustLrFn, @foreach, fused))
    {
        foreach (var group in ParamGroups)
            foreach (var p in group.Params)
                if (p.Dim != 2)
                    throw new ArgumentException($"Muon only supports 2D parameters whereas we found a parameter with size: {PyRepr.Size(p.ShapeRef)}", nameof(parameters));
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor lr, double weightDecay, double momentum, bool nesterov,
        (double, double, double) nsCoefficients, double eps, int nsSteps, string? adjustLrFn, bool? forEach, bool? fused)
    {
        Validation.CheckLr(lr, LrCheck.ShouldBeWording);
        BoundChecks.AtLeast(momentum, 0, "momentum", nameof(momentum));
        BoundChecks.AtLeast(weightDecay, 0, "weight decay", nameof(weightDecay));
        if (adjustLrFn is not null && !AdjustLrFns.Contains(adjustLrFn))
            throw new ArgumentException($"Adjust learning rate function {adjustLrFn} is not supported", nameof(adjustLrFn));
        Validation.CheckFusedFlags(forEach, fused, differentiable: false);
        var defaults = new OrderedDictionary<string, object?>
        {
            ["lr"] = lr.AsOption,
            ["weight_decay"] = weightDecay,
            ["momentum"] = momentum,
            ["nesterov"] = nesterov,
            ["ns_coefficients"] = nsCoefficients,
            ["eps"] = eps,
            ["ns_steps"] = nsSteps,
            ["adjust_lr_fn"] = adjustLrFn,
        };
        if (forEach is not null) defaults["foreach"] = forEach;
        if (fused is not null) defaults["fused"] = fused;
        return defaults;
    }

    /// <inheritdoc/>
    protected override IEnumerable<string> ElementwiseStateKeys => ["momentum_buffer"];

    // Lists kept between steps and refilled per group, so that a steady-state step allocates nothing.
    private readonly List<Tensor> _params = [];
    private readonly List<MomentumBuffer> _buffers = [];

    /// <inheritdoc/>
    protected override void CheckGroup(ParamGroup group) => Gather(group, create: false);

    /// <inheritdoc/>
    protected override void StepGroup(ParamGroup group)
    {
        if (Gather(group, create: true) is not { } gathered) return;
        var (implementation, h) = gathered;
        switch (implementation)
        {
            case StepImplementation.Reference: Reference(_params, _buffers, h); break;
            case StepImplementation.ExactKernel: Kernel<ExactMath>(_params, _buffers, h); break;
            default: Kernel<FusedMath>(_params, _buffers, h); break;
        }
    }

    /// <summary>
    /// Everything the step reads (parameters in <c>_params</c>, momentum buffers in <c>_buffers</c>,
    /// the options), checked before it changes anything; null when no parameter has a gradient.
    /// </summary>
    private (StepImplementation, MuonHyper)? Gather(ParamGroup group, bool create)
    {
        var ps = ParamsWithGrad(group, _params, out bool anySparse);
        if (ps.Count == 0) return null;
        StepGuards.CheckNoSparseGrad(nameof(Muon), anySparse);
        foreach (var p in ps)
            if (p.Grad!.Dim != 2) throw new ArgumentException("Param gradient must be a 2D matrix");
        var h = MuonHyper.Read(group);
        var implementation = ResolveImplementation(group, hasSparseGrad: false);
        GatherStates(ps, _buffers, new StateSchema(), create, implementation == StepImplementation.Reference ? null : nameof(Muon));
        return (implementation, h);
    }

    /// <summary>A parameter's <c>momentum_buffer</c>, made at zero when the state has none (as PyTorch).</summary>
    private readonly struct StateSchema : IStepStateSchema<MomentumBuffer>
    {
        public MomentumBuffer Read(in StepStateEntries e) => new(e.OptionalElementwise("momentum_buffer"));

        public bool LacksEntries(in MomentumBuffer state) => state.Buffer is null;

        public void Create(OrderedDictionary<string, object?> state, Tensor p) => state["momentum_buffer"] = Torch.ZerosLike(p.Grad!);
    }

    /// <summary>A parameter's momentum buffer (null only until the gather creates it).</summary>
    private readonly record struct MomentumBuffer(Tensor? Buffer);

    /// <summary>PyTorch's <c>_single_tensor_muon</c>, operation for operation.</summary>
    private static void Reference(List<Tensor> ps, List<MomentumBuffer> buffers, MuonHyper h)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            var param = ps[i];
            var grad = param.Grad!;
            var buf = buffers[i].Buffer!;
            buf.Lerp_(grad, 1 - h.Momentum);
            var update = h.Nesterov ? grad.Lerp(buf, h.Momentum) : buf;
            var ortho = NewtonSchulz.Orthogonalize(update, h.Coefficients, h.Steps, h.Eps);
            param.Mul_(h.DecayFactor);
            param.Add_(ortho, alpha: -h.AdjustedLr(param.ShapeRef));
        }
    }

    /// <summary>
    /// One group's options for a step, checked as PyTorch checks them before anything changes.
    /// <see cref="LrIsFloat32Tensor"/>: PyTorch keeps a tensor lr as a tensor, so the adjusted lr
    /// and the weight-decay factor are float32 tensors, each op rounded to float32.
    /// </summary>
    private readonly record struct MuonHyper(double Lr, bool LrIsFloat32Tensor, double WeightDecay, double Momentum, bool Nesterov,
                                             (double A, double B, double C) Coefficients, double Eps, int Steps, string? AdjustLrFn)
    {
        public static MuonHyper Read(ParamGroup group)
        {
            var coefficients = ReadCoefficients(group["ns_coefficients"], out int count);
            int steps = (int)group.GetDouble("ns_steps");
            NewtonSchulz.Validate(steps, count);
            return new MuonHyper(group.Lr, group.Peek("lr") is Tensor { DType: DType.Float32 }, group.GetDouble("weight_decay"),
                                 group.GetDouble("momentum"), group.GetBool("nesterov"), coefficients,
                                 group.GetDouble("eps"), steps, group["adjust_lr_fn"] as string);
        }

        /// <summary><c>1 - lr * weight_decay</c>.</summary>
        public double DecayFactor => LrIsFloat32Tensor ? 1f - (float)Lr * (float)WeightDecay : 1 - Lr * WeightDecay;

        /// <summary>PyTorch's <c>_adjust_lr</c> for an A×B param (an unknown function name leaves lr as it is, as there).</summary>
        public double AdjustedLr(int[] shape)
        {
            double a = shape[0], b = shape[1];
            double ratio = AdjustLrFn switch
            {
                null or "original" => Math.Sqrt(Math.Max(1, a / b)),
                "match_rms_adamw" => 0.2 * Math.Sqrt(Math.Max(a, b)),
                "spectral_unclamped" => Math.Sqrt(a / b),
                _ => 1.0,
            };
            return LrIsFloat32Tensor ? (float)Lr * (float)ratio : Lr * ratio;
        }

        /// <summary>
        /// ns_coefficients (a value tuple, or a tuple or list once loaded) and how many numbers it
        /// holds, for PyTorch's check (the triple is meaningful only when there are three).
        /// Three-element forms are read in place, without allocating.
        /// </summary>
        private static (double A, double B, double C) ReadCoefficients(object? value, out int count)
        {
            switch (value)
            {
                case ValueTuple<double, double, double> triple:   // the constructor's form, read without boxing through ITuple
                    count = 3;
                    return triple;
                case ITuple { Length: 3 } t:
                    count = 3;
                    return (Number(t[0]), Number(t[1]), Number(t[2]));
                case IList { Count: 3 } l:
                    count = 3;
                    return (Number(l[0]), Number(l[1]), Number(l[2]));
                default:
                    count = ReadNumbers(value).Length;
                    return default;
            }
        }

        private static double Number(object? value) => OptionValues.ToDouble(value, "ns_coefficients");

        /// <summary>A tuple or list option's numbers.</summary>
        private static double[] ReadNumbers(object? value)
        {
            IEnumerable<object?> items = value switch
            {
                ITuple t => Enumerable.Range(0, t.Length).Select(i => t[i]),
                IEnumerable e and not string => e.Cast<object?>(),
                _ => throw new InvalidCastException($"option 'ns_coefficients' is {StateValues.Describe(value)}, not a tuple of numbers"),
            };
            return items.Select(Number).ToArray();
        }
    }
}
