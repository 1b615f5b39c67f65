using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>The arguments of an Adam or AdamW construction in the recorded cases (AdamW has no decoupledWeightDecay).</summary>
internal sealed record AdamArgs(OptimizerParams Params, FloatOrTensor? Lr = null, (FloatOrTensor, FloatOrTensor)? Betas = null,
    double Eps = 1e-8, double? WeightDecay = null, bool? Foreach = null, bool Capturable = false, bool Differentiable = false, bool? Fused = null,
    bool Amsgrad = false);

/// <summary>
/// The C# reproductions of tools/golden/adam.py's error cases, for Adam and AdamW alike (the
/// recorded names carry the class as prefix), with its default-group, repr, old-state-dict and
/// capturable-on-CPU cases. PyTorch's snippets use fresh 1×1 parameters.
/// </summary>
internal static class AdamErrorCases
{
    public static Parameter P() => new(Torch.Randn([1, 1], generator: new Generator(1)));

    private static Tensor F32(double v) => Torch.Tensor(v, DType.Float32);

    /// <summary>A 2×2 parameter with the sparse gradient of PyTorch's snippet.</summary>
    public static Parameter SparseGradParam()
    {
        var q = new Parameter(Torch.Tensor([1f, 2f, 3f, 4f], [2, 2]));
        q.Grad = Torch.SparseCooTensor(Torch.Tensor([0L, 1L, 1L, 0L], [2, 2]), Torch.Tensor([0.5f, -1f]), [2, 2]);
        return q;
    }

    public static Dictionary<string, Action> For(string prefix, Func<AdamArgs, Optimizer> make)
    {
        var cases = RecordedDefaults.Cases($"{prefix}_errors.json", prefix, p => make(new([p])));
        foreach (var (name, action) in ErrorsFor(prefix, make)) cases.Add(name, action);
        return cases;
    }

    /// <summary>
    /// PyTorch refuses <c>capturable=True</c> at a CPU step except on its fused path (recorded);
    /// SharpOptim accepts it as a documented no-op (<see cref="CapturableCheck"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, string> CapturableDeviation(string prefix) => new Dictionary<string, string>
    {
        [$"{prefix}_capturable_step_on_cpu"] = "capturable is a documented no-op on the CPU: every path steps exactly as without it",
    };

    /// <summary>The reproduction of the refused capturable step: PyTorch's message recorded, and each of our non-fused paths unchanged by the flag.</summary>
    public static void CapturableIsANoOp(string fixture, string name, Func<bool, bool?, Optimizer> make)
    {
        var record = Fixture.Load(fixture).AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
        Assert.Equal("AssertionError", record["type"]!.GetValue<string>());
        Assert.StartsWith("If capturable=True, params and state_steps must be on supported devices", record["message"]!.GetValue<string>());
        foreach (bool? @foreach in new bool?[] { false, true, null })
            CapturableCheck.SameAsNotCapturable(capturable => make(capturable, @foreach));
    }

    private static Dictionary<string, Action> ErrorsFor(string prefix, Func<AdamArgs, Optimizer> make) => new()
    {
        [$"{prefix}_negative_lr"] = () => make(new([P()], Lr: -0.1)),
        [$"{prefix}_nan_lr"] = () => make(new([P()], Lr: double.NaN)),
        [$"{prefix}_negative_tensor_lr"] = () => make(new([P()], Lr: F32(-0.1))),
        [$"{prefix}_tensor_lr_not_1_element"] = () => make(new([P()], Lr: Torch.Tensor([0.001f, 0.001f]))),
        [$"{prefix}_tensor_lr_with_foreach"] = () => make(new([P()], Lr: F32(0.001), Foreach: true)),
        [$"{prefix}_tensor_lr_with_foreach_capturable"] = () => make(new([P()], Lr: F32(0.001), Foreach: true, Capturable: true)),
        [$"{prefix}_negative_eps"] = () => make(new([P()], Eps: -1e-8)),
        [$"{prefix}_beta1_one"] = () => make(new([P()], Lr: 1e-2, Betas: (1.0, 0.0))),
        [$"{prefix}_beta1_negative"] = () => make(new([P()], Betas: (-0.1, 0.999))),
        [$"{prefix}_beta2_one"] = () => make(new([P()], Betas: (0.9, 1.0))),
        [$"{prefix}_beta2_nan"] = () => make(new([P()], Betas: (0.9, double.NaN))),
        [$"{prefix}_negative_weight_decay"] = () => make(new([P()], Lr: 1e-2, WeightDecay: -1)),
        [$"{prefix}_betas_float_and_tensor"] = () => make(new([P()], Lr: 1e-2, Betas: (0.9, F32(0.99)))),
        [$"{prefix}_betas_tensor_and_float"] = () => make(new([P()], Lr: 1e-2, Betas: (F32(0.9), 0.99))),
        [$"{prefix}_tensor_betas_with_foreach"] = () => make(new([P()], Lr: 1e-2, Betas: (F32(0.9), F32(0.99)), Foreach: true)),
        [$"{prefix}_tensor_betas_with_foreach_capturable"] = () => make(new([P()], Betas: (F32(0.9), F32(0.99)), Foreach: true, Capturable: true)),
        [$"{prefix}_tensor_beta1_out_of_range"] = () => make(new([P()], Betas: (F32(1.5), F32(0.99)))),
        [$"{prefix}_tensor_beta2_out_of_range"] = () => make(new([P()], Betas: (F32(0.9), F32(-0.5)))),
        [$"{prefix}_tensor_beta1_not_1_element"] = () => make(new([P()], Betas: (Torch.Tensor([0.9f, 0.9f]), F32(0.99)))),
        [$"{prefix}_fused_and_foreach"] = () => make(new([P()], Fused: true, Foreach: true)),
        [$"{prefix}_fused_and_differentiable"] = () => make(new([P()], Fused: true, Differentiable: true)),
        [$"{prefix}_sparse_grad"] = () => make(new([SparseGradParam()])).Step(),
        [$"{prefix}_differentiable_step_requires_grad"] = () =>
        {
            var x = Torch.Randn([2], requiresGrad: true);
            var q = x.Clone();
            var optimizer = make(new([q], Differentiable: true));
            q.Grad = Torch.Ones(2);
            optimizer.Step();
            ((Tensor)optimizer.State[q]["step"]!).RequiresGrad_(true);
            optimizer.Step();
        },
        [$"{prefix}_tensor_betas_later_set_with_foreach"] = () => StepWithForeachAfterSetting(make, "betas", (F32(0.9), F32(0.99))),
        [$"{prefix}_tensor_beta2_later_set_with_foreach"] = () => StepWithForeachAfterSetting(make, "betas", (0.9, F32(0.99))),
        [$"{prefix}_tensor_lr_later_set_with_foreach"] = () => StepWithForeachAfterSetting(make, "lr", F32(0.01)),
        [$"{prefix}_capturable_step_on_cpu"] = () => CapturableIsANoOp($"{prefix}_errors.json", $"{prefix}_capturable_step_on_cpu",
            (capturable, @foreach) => make(new(CapturableCheck.Params(), Lr: 0.1, WeightDecay: 0.1, Amsgrad: true, Capturable: capturable, Foreach: @foreach))),
        // PyTorch's fused CPU kernel takes capturable=True: its result recorded, ours the same, and the flag changes nothing.
        [$"{prefix}_capturable_fused_step_on_cpu"] = () =>
        {
            var q = new Parameter(Torch.Tensor([0.5f, -1f]));
            var optimizer = make(new([q], Capturable: true, Fused: true));
            q.Grad = Torch.Tensor([0.25f, -2f]);
            optimizer.Step();
            RecordedResult.AssertParamMatches($"{prefix}_errors.json", $"{prefix}_capturable_fused_step_on_cpu", q);
            CapturableCheck.SameAsNotCapturable(capturable => make(new(CapturableCheck.Params(), Lr: 0.1, WeightDecay: 0.1, Amsgrad: true,
                                                                          Capturable: capturable, Fused: true)));
        },
    };

    /// <summary>An optimizer built with foreach=True whose group option is then replaced, stepped once.</summary>
    private static void StepWithForeachAfterSetting(Func<AdamArgs, Optimizer> make, string option, object value)
    {
        var p = P();
        var optimizer = make(new([p], Foreach: true));
        optimizer.ParamGroups[0][option] = value;
        p.Grad = Torch.OnesLike(p);
        optimizer.Step();
    }

    public static Optimizer Adam(AdamArgs a) => new Adam(a.Params, a.Lr, a.Betas, a.Eps, a.WeightDecay ?? 0, amsgrad: a.Amsgrad, @foreach: a.Foreach,
        capturable: a.Capturable, differentiable: a.Differentiable, fused: a.Fused);

    public static Optimizer AdamW(AdamArgs a) => new AdamW(a.Params, a.Lr, a.Betas, a.Eps, a.WeightDecay ?? 1e-2, amsgrad: a.Amsgrad, @foreach: a.Foreach,
        capturable: a.Capturable, differentiable: a.Differentiable, fused: a.Fused);
}

/// <summary>Adam's recorded invalid calls (tools/golden/adam.py → adam_errors.json).</summary>
public class AdamErrorConformanceTests : RecordedErrorConformance<AdamErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "adam_errors.json";
    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = AdamErrorCases.For("adam", AdamErrorCases.Adam);
    public static IReadOnlyDictionary<string, string> Deviations { get; } = AdamErrorCases.CapturableDeviation("adam");
}

/// <summary>AdamW's recorded invalid calls (tools/golden/adam.py → adamw_errors.json).</summary>
public class AdamWErrorConformanceTests : RecordedErrorConformance<AdamWErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "adamw_errors.json";
    public static IReadOnlyDictionary<string, string> Deviations { get; } = AdamErrorCases.CapturableDeviation("adamw");

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = WithLoadingAnAdamStateDict(AdamErrorCases.For("adamw", AdamErrorCases.AdamW));

    /// <summary>AdamW decays decoupled whatever the loaded dict says (PyTorch's AdamW.__setstate__).</summary>
    private static Dictionary<string, Action> WithLoadingAnAdamStateDict(Dictionary<string, Action> cases)
    {
        cases.Add("adamw_load_adam_state_dict", () =>
        {
            var p = AdamErrorCases.P();
            var optimizer = new AdamW([p]);
            optimizer.LoadStateDict(new Adam([p], weightDecay: 0.1).StateDict());
            RecordedDefaults.AssertGroup(optimizer.ParamGroups[0], RecordedResult.Of(ErrorFixture, "adamw_load_adam_state_dict"));
        });
        return cases;
    }
}

/// <summary>Adamax's recorded invalid calls (tools/golden/adamax.py → adamax_errors.json).</summary>
public class AdamaxErrorConformanceTests : RecordedErrorConformance<AdamaxErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "adamax_errors.json";

    private static Parameter P() => AdamErrorCases.P();

    public static IReadOnlyDictionary<string, string> Deviations { get; } = AdamErrorCases.CapturableDeviation("adamax");

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>(RecordedDefaults.Cases(ErrorFixture, "adamax", p => new Adamax([p])))
    {
        ["adamax_capturable_step_on_cpu"] = () => AdamErrorCases.CapturableIsANoOp(ErrorFixture, "adamax_capturable_step_on_cpu",
            (capturable, @foreach) => new Adamax(CapturableCheck.Params(), lr: 0.1, weightDecay: 0.1, capturable: capturable, @foreach: @foreach)),
        ["adamax_negative_lr"] = () => _ = new Adamax([P()], lr: -0.1),
        ["adamax_nan_lr"] = () => _ = new Adamax([P()], lr: double.NaN),
        ["adamax_negative_tensor_lr"] = () => _ = new Adamax([P()], lr: Torch.Tensor(-0.1, DType.Float32)),
        ["adamax_tensor_lr_not_1_element"] = () => _ = new Adamax([P()], lr: Torch.Tensor([0.001f, 0.001f])),
        ["adamax_negative_eps"] = () => _ = new Adamax([P()], eps: -1e-8),
        ["adamax_beta1_one"] = () => _ = new Adamax([P()], betas: (1.0, 0.0)),
        ["adamax_beta1_negative"] = () => _ = new Adamax([P()], betas: (-0.1, 0.999)),
        ["adamax_beta2_one"] = () => _ = new Adamax([P()], lr: 1e-2, betas: (0.0, 1.0)),
        ["adamax_negative_weight_decay"] = () => _ = new Adamax([P()], weightDecay: -0.5),
        ["adamax_tensor_lr_with_foreach"] = () =>
        {
            var q = new Parameter(Torch.Tensor([0.5f, -1f]));
            var optimizer = new Adamax([q], lr: Torch.Tensor(0.01, DType.Float32), @foreach: true);
            q.Grad = Torch.Tensor([0.25f, -2f]);
            optimizer.Step();
            RecordedResult.AssertParamMatches(ErrorFixture, "adamax_tensor_lr_with_foreach", q);
        },
        ["adamax_sparse_grad"] = () => new Adamax([AdamErrorCases.SparseGradParam()]).Step(),
        ["adamax_differentiable_tensor_lr_requires_grad"] = () =>
        {
            var x = Torch.Randn([2], requiresGrad: true);
            var q = x.Clone();
            var optimizer = new Adamax([q], lr: Torch.Tensor(0.01, DType.Float32, requiresGrad: true), differentiable: true);
            q.Grad = Torch.Ones(2);
            optimizer.Step();
        },
    };
}
