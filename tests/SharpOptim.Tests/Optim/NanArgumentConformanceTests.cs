using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using SharpOptim.Optim.SwaUtils;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Every float argument of every optimizer, and the schedulers' and averaging functions' float
/// arguments, given NaN (nonfinite_errors.json, tools/golden/nonfinite.py): refused where
/// PyTorch's check is <c>not 0.0 &lt;= x</c>, accepted where it is <c>x &lt; 0.0</c> (SGD) or there
/// is none; an accepted scheduler then sets the lrs PyTorch set after three steps.
/// </summary>
public class NanArgumentConformanceTests : RecordedErrorConformance<NanArgumentConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "nonfinite_errors.json";

    private const double N = double.NaN;
    private static readonly Parameter P = ErrorSetups.AnyParam(1);

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>
    {
        ["SGD/nan_lr"] = () => _ = new SGD([P], lr: N),
        ["SGD/nan_momentum"] = () => _ = new SGD([P], momentum: N),
        ["SGD/nan_dampening"] = () => _ = new SGD([P], dampening: N),
        ["SGD/nan_weight_decay"] = () => _ = new SGD([P], weightDecay: N),
        ["Adam/nan_lr"] = () => _ = new Adam([P], lr: N),
        ["Adam/nan_betas0"] = () => _ = new Adam([P], betas: (N, 0.999)),
        ["Adam/nan_betas1"] = () => _ = new Adam([P], betas: (0.9, N)),
        ["Adam/nan_eps"] = () => _ = new Adam([P], eps: N),
        ["Adam/nan_weight_decay"] = () => _ = new Adam([P], weightDecay: N),
        ["AdamW/nan_lr"] = () => _ = new AdamW([P], lr: N),
        ["AdamW/nan_betas0"] = () => _ = new AdamW([P], betas: (N, 0.999)),
        ["AdamW/nan_betas1"] = () => _ = new AdamW([P], betas: (0.9, N)),
        ["AdamW/nan_eps"] = () => _ = new AdamW([P], eps: N),
        ["AdamW/nan_weight_decay"] = () => _ = new AdamW([P], weightDecay: N),
        ["Adamax/nan_lr"] = () => _ = new Adamax([P], lr: N),
        ["Adamax/nan_betas0"] = () => _ = new Adamax([P], betas: (N, 0.999)),
        ["Adamax/nan_betas1"] = () => _ = new Adamax([P], betas: (0.9, N)),
        ["Adamax/nan_eps"] = () => _ = new Adamax([P], eps: N),
        ["Adamax/nan_weight_decay"] = () => _ = new Adamax([P], weightDecay: N),
        ["NAdam/nan_lr"] = () => _ = new NAdam([P], lr: N),
        ["NAdam/nan_betas0"] = () => _ = new NAdam([P], betas: (N, 0.999)),
        ["NAdam/nan_betas1"] = () => _ = new NAdam([P], betas: (0.9, N)),
        ["NAdam/nan_eps"] = () => _ = new NAdam([P], eps: N),
        ["NAdam/nan_weight_decay"] = () => _ = new NAdam([P], weightDecay: N),
        ["NAdam/nan_momentum_decay"] = () => _ = new NAdam([P], momentumDecay: N),
        ["RAdam/nan_lr"] = () => _ = new RAdam([P], lr: N),
        ["RAdam/nan_betas0"] = () => _ = new RAdam([P], betas: (N, 0.999)),
        ["RAdam/nan_betas1"] = () => _ = new RAdam([P], betas: (0.9, N)),
        ["RAdam/nan_eps"] = () => _ = new RAdam([P], eps: N),
        ["RAdam/nan_weight_decay"] = () => _ = new RAdam([P], weightDecay: N),
        ["Adagrad/nan_lr"] = () => _ = new Adagrad([P], lr: N),
        ["Adagrad/nan_lr_decay"] = () => _ = new Adagrad([P], lrDecay: N),
        ["Adagrad/nan_weight_decay"] = () => _ = new Adagrad([P], weightDecay: N),
        ["Adagrad/nan_initial_accumulator_value"] = () => _ = new Adagrad([P], initialAccumulatorValue: N),
        ["Adagrad/nan_eps"] = () => _ = new Adagrad([P], eps: N),
        ["Adadelta/nan_lr"] = () => _ = new Adadelta([P], lr: N),
        ["Adadelta/nan_rho"] = () => _ = new Adadelta([P], rho: N),
        ["Adadelta/nan_eps"] = () => _ = new Adadelta([P], eps: N),
        ["Adadelta/nan_weight_decay"] = () => _ = new Adadelta([P], weightDecay: N),
        ["ASGD/nan_lr"] = () => _ = new ASGD([P], lr: N),
        ["ASGD/nan_lambd"] = () => _ = new ASGD([P], lambd: N),
        ["ASGD/nan_alpha"] = () => _ = new ASGD([P], alpha: N),
        ["ASGD/nan_t0"] = () => _ = new ASGD([P], t0: N),
        ["ASGD/nan_weight_decay"] = () => _ = new ASGD([P], weightDecay: N),
        ["RMSprop/nan_lr"] = () => _ = new RMSprop([P], lr: N),
        ["RMSprop/nan_alpha"] = () => _ = new RMSprop([P], alpha: N),
        ["RMSprop/nan_eps"] = () => _ = new RMSprop([P], eps: N),
        ["RMSprop/nan_weight_decay"] = () => _ = new RMSprop([P], weightDecay: N),
        ["RMSprop/nan_momentum"] = () => _ = new RMSprop([P], momentum: N),
        ["Rprop/nan_lr"] = () => _ = new Rprop([P], lr: N),
        ["Rprop/nan_etas0"] = () => _ = new Rprop([P], etas: (N, 1.2)),
        ["Rprop/nan_etas1"] = () => _ = new Rprop([P], etas: (0.5, N)),
        ["Rprop/nan_step_sizes0"] = () => _ = new Rprop([P], stepSizes: (N, 50)),
        ["Rprop/nan_step_sizes1"] = () => _ = new Rprop([P], stepSizes: (1e-6, N)),
        ["SparseAdam/nan_lr"] = () => _ = new SparseAdam([P], lr: N),
        ["SparseAdam/nan_betas0"] = () => _ = new SparseAdam([P], betas: (N, 0.999)),
        ["SparseAdam/nan_betas1"] = () => _ = new SparseAdam([P], betas: (0.9, N)),
        ["SparseAdam/nan_eps"] = () => _ = new SparseAdam([P], eps: N),
        ["LBFGS/nan_lr"] = () => _ = new LBFGS([P], lr: N),
        ["LBFGS/nan_tolerance_grad"] = () => _ = new LBFGS([P], toleranceGrad: N),
        ["LBFGS/nan_tolerance_change"] = () => _ = new LBFGS([P], toleranceChange: N),
        ["Adafactor/nan_lr"] = () => _ = new Adafactor([P], lr: N),
        ["Adafactor/nan_beta2_decay"] = () => _ = new Adafactor([P], beta2Decay: N),
        ["Adafactor/nan_eps0"] = () => _ = new Adafactor([P], eps: (N, 1e-3)),
        ["Adafactor/nan_eps1"] = () => _ = new Adafactor([P], eps: (null, N)),
        ["Adafactor/nan_d"] = () => _ = new Adafactor([P], d: N),
        ["Adafactor/nan_weight_decay"] = () => _ = new Adafactor([P], weightDecay: N),
        ["Muon/nan_lr"] = () => _ = new Muon([P], lr: N),
        ["Muon/nan_weight_decay"] = () => _ = new Muon([P], weightDecay: N),
        ["Muon/nan_momentum"] = () => _ = new Muon([P], momentum: N),
        ["Muon/nan_eps"] = () => _ = new Muon([P], eps: N),

        ["StepLR/nan_gamma"] = Lrs("StepLR/nan_gamma", o => new StepLR(o, stepSize: 1, gamma: N)),
        ["MultiStepLR/nan_gamma"] = Lrs("MultiStepLR/nan_gamma", o => new MultiStepLR(o, milestones: [1], gamma: N)),
        ["ConstantLR/nan_factor"] = Lrs("ConstantLR/nan_factor", o => new ConstantLR(o, factor: N)),
        ["LinearLR/nan_start_factor"] = Lrs("LinearLR/nan_start_factor", o => new LinearLR(o, startFactor: N)),
        ["LinearLR/nan_end_factor"] = Lrs("LinearLR/nan_end_factor", o => new LinearLR(o, endFactor: N)),
        ["ExponentialLR/nan_gamma"] = Lrs("ExponentialLR/nan_gamma", o => new ExponentialLR(o, gamma: N)),
        ["PolynomialLR/nan_power"] = Lrs("PolynomialLR/nan_power", o => new PolynomialLR(o, power: N)),
        ["CosineAnnealingLR/nan_eta_min"] = Lrs("CosineAnnealingLR/nan_eta_min", o => new CosineAnnealingLR(o, tMax: 5, etaMin: N)),
        ["CosineAnnealingWarmRestarts/nan_eta_min"] = Lrs("CosineAnnealingWarmRestarts/nan_eta_min", o => new CosineAnnealingWarmRestarts(o, t0: 5, etaMin: N)),
        ["CyclicLR/nan_base_lr"] = Lrs("CyclicLR/nan_base_lr", o => new CyclicLR(o, baseLr: N, maxLr: 0.1)),
        ["CyclicLR/nan_gamma"] = Lrs("CyclicLR/nan_gamma", o => new CyclicLR(o, baseLr: 0.01, maxLr: 0.1, mode: "exp_range", gamma: N)),
        ["OneCycleLR/nan_pct_start"] = Lrs("OneCycleLR/nan_pct_start", o => new OneCycleLR(o, maxLr: 0.1, totalSteps: 10, pctStart: N)),
        ["OneCycleLR/nan_div_factor"] = Lrs("OneCycleLR/nan_div_factor", o => new OneCycleLR(o, maxLr: 0.1, totalSteps: 10, divFactor: N)),
        ["OneCycleLR/nan_final_div_factor"] = Lrs("OneCycleLR/nan_final_div_factor", o => new OneCycleLR(o, maxLr: 0.1, totalSteps: 10, finalDivFactor: N)),
        ["ReduceLROnPlateau/nan_factor"] = Lrs("ReduceLROnPlateau/nan_factor", o => new ReduceLROnPlateau(o, patience: 0, factor: N)),
        ["ReduceLROnPlateau/nan_threshold"] = Lrs("ReduceLROnPlateau/nan_threshold", o => new ReduceLROnPlateau(o, patience: 0, threshold: N)),
        ["ReduceLROnPlateau/nan_min_lr"] = Lrs("ReduceLROnPlateau/nan_min_lr", o => new ReduceLROnPlateau(o, patience: 0, minLr: N)),
        ["ReduceLROnPlateau/nan_eps"] = Lrs("ReduceLROnPlateau/nan_eps", o => new ReduceLROnPlateau(o, patience: 0, eps: N)),
        ["SWALR/nan_swa_lr"] = Lrs("SWALR/nan_swa_lr", o => new SWALR(o, swaLr: N)),
        ["get_ema_multi_avg_fn/nan_decay"] = () => Swa.GetEmaMultiAvgFn(N),
        ["get_ema_avg_fn/nan_decay"] = () => Swa.GetEmaAvgFn(N),
    };

    /// <summary>
    /// The snippet's run: SGD(lr=0.1, momentum=0.9) over p (no gradient, so its steps change
    /// nothing), the scheduler, three rounds of optimizer and scheduler steps (a metric of 1.0 for
    /// ReduceLROnPlateau, which never improves); then the lrs are PyTorch's.
    /// </summary>
    private static Action Lrs(string name, Func<Optimizer, LRScheduler> build) => () =>
    {
        var optimizer = new SGD([new Parameter(P.Detach().Clone())], lr: 0.1, momentum: 0.9);
        var scheduler = build(optimizer);
        for (int k = 0; k < 3; k++)
        {
            optimizer.Step();
            if (scheduler is ReduceLROnPlateau plateau) plateau.Step(1.0);
            else scheduler.Step();
        }
        var expected = Fixture.Numbers(RecordedResult.Of(ErrorFixture, name));
        var actual = optimizer.ParamGroups.Select(g => g.Lr).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(double.IsNaN(expected[i]) ? double.IsNaN(actual[i]) : Math.Abs(actual[i] - expected[i]) <= 1e-15 * Math.Abs(expected[i]),
                $"{name}: group {i}'s lr is {actual[i]:R}, PyTorch's {expected[i]:R}");
    };
}
