using System.Collections;

namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// The 1cycle policy (PyTorch's <c>torch.optim.lr_scheduler.OneCycleLR</c>): each group's lr rises
/// from <c>max_lr / div_factor</c> to <c>max_lr</c> over the first <c>pct_start</c> of the steps,
/// then anneals (cosine or linear) down to <c>initial_lr / final_div_factor</c>; with
/// <c>three_phase</c> it first comes back to the initial lr. Momentum (or <c>betas[0]</c>) moves
/// inversely. Step it after every batch, <c>total_steps</c> times at most.
/// </summary>
public sealed class OneCycleLR : LRScheduler
{
    private static readonly string[] PhaseKeys = ["end_step", "start_lr", "end_lr", "start_momentum", "end_momentum"];

    private int _totalSteps;
    private List<OrderedDictionary<string, object?>> _schedulePhases;
    private string _annealFuncType;
    private bool _cycleMomentum;
    private bool _useBeta1;
    private readonly List<FloatOrTensor> _momentums = [];

    /// <param name="optimizer">The optimizer whose lrs (and momenta) to set.</param>
    /// <param name="maxLr">The peak lr, for all groups or per group.</param>
    /// <param name="totalSteps">The number of steps in the cycle; or give <paramref name="epochs"/> and <paramref name="stepsPerEpoch"/>.</param>
    /// <param name="epochs">Epochs to train, with <paramref name="stepsPerEpoch"/>, when <paramref name="totalSteps"/> is not given.</param>
    /// <param name="stepsPerEpoch">Steps per epoch, with <paramref name="epochs"/>.</param>
    /// <param name="pctStart">The fraction of the cycle spent raising the lr, in [0, 1].</param>
    /// <param name="annealStrategy"><c>"cos"</c> or <c>"linear"</c>.</param>
    /// <param name="cycleMomentum">Cycle momentum (or betas[0]) inversely to the lr.</param>
    /// <param name="baseMomentum">The momentum at the lr's peak, for all groups or per group.</param>
    /// <param name="maxMomentum">The momentum at the start and end, for all groups or per group.</param>
    /// <param name="divFactor">initial_lr = max_lr / divFactor.</param>
    /// <param name="finalDivFactor">min_lr = initial_lr / finalDivFactor.</param>
    /// <param name="threePhase">Come back to the initial lr before annealing to min_lr (the paper's schedule).</param>
    /// <param name="lastEpoch">The index of the last batch: -1 to start, or the batch to resume from.</param>
    public OneCycleLR(Optimizer optimizer, PerGroup maxLr, int? totalSteps = null, int? epochs = null, int? stepsPerEpoch = null,
                      double pctStart = 0.3, string annealStrategy = "cos", bool cycleMomentum = true, PerGroup? baseMomentum = null,
                      PerGroup? maxMomentum = null, double divFactor = 25.0, double finalDivFactor = 1e4, bool threePhase = false,
                      int lastEpoch = -1)
        : base(optimizer)
    {
        _totalSteps = TotalSteps(totalSteps, epochs, stepsPerEpoch);
        DeclareInt("total_steps", () => _totalSteps, v => _totalSteps = v);
        _schedulePhases = Phases(pctStart, _totalSteps, threePhase);
        Declare("_schedule_phases", () => _schedulePhases.Select(p => (object?)p).ToList(), v =>
        {
            var x = ToPhases(v);
            return () => _schedulePhases = x;
        });
        if (pctStart < 0 || pctStart > 1)
            throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, $"Expected float between 0 and 1 pct_start, but got {PyRepr.Float(pctStart)}");
        AnnealStrategies.Check(annealStrategy, nameof(annealStrategy));
        _annealFuncType = annealStrategy;
        DeclareString("_anneal_func_type", () => _annealFuncType, v => _annealFuncType = v, AnnealStrategies.Names);

        var snapshot = ParamGroupsSnapshot.Take(Optimizer);
        try
        {
            var maxLrs = maxLr.Expand("max_lr", Optimizer);
            if (lastEpoch == -1)
            {
                for (int i = 0; i < maxLrs.Count; i++)
                {
                    var group = Optimizer.ParamGroups[i];
                    var initialLr = maxLrs[i] / divFactor;
                    group["initial_lr"] = initialLr.AsOption;
                    group["max_lr"] = maxLrs[i].AsOption;
                    group["min_lr"] = (initialLr / finalDivFactor).AsOption;
                }
            }
            _cycleMomentum = cycleMomentum;
            DeclareBool("cycle_momentum", () => _cycleMomentum, v => _cycleMomentum = v);
            if (cycleMomentum)
            {
                _useBeta1 = MomentumCycle.Setup(Optimizer, baseMomentum ?? 0.85, maxMomentum ?? 0.95, writeStart: lastEpoch == -1, maxFirst: true).UseBeta1;
                DeclareBool("use_beta1", () => _useBeta1, v => _useBeta1 = v);
            }
            Initialize(lastEpoch);
        }
        catch
        {
            snapshot.Restore();
            throw;
        }
    }

    private static int TotalSteps(int? totalSteps, int? epochs, int? stepsPerEpoch)
    {
        if (totalSteps is int total)
            return total > 0 ? total : throw new ArgumentOutOfRangeException(nameof(totalSteps), total, $"Expected positive integer total_steps, but got {total}");
        if (epochs is int e && stepsPerEpoch is int s)
        {
            if (e <= 0) throw new ArgumentOutOfRangeException(nameof(epochs), e, $"Expected positive integer epochs, but got {e}");
            if (s <= 0) throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), s, $"Expected positive integer steps_per_epoch, but got {s}");
            return e * s;
        }
        throw new ArgumentException("You must define either total_steps OR (epochs AND steps_per_epoch)", nameof(totalSteps));
    }

    /// <summary>
    /// The phases as PyTorch lists them: where each ends and which group entries it moves
    /// between. The last phase ends at <c>total_steps - 1</c>, an int; the others at a float.
    /// </summary>
    private static List<OrderedDictionary<string, object?>> Phases(double pctStart, int totalSteps, bool threePhase)
    {
        static OrderedDictionary<string, object?> Phase(object endStep, string startLr, string endLr, string startMomentum, string endMomentum)
            => new() { ["end_step"] = endStep, ["start_lr"] = startLr, ["end_lr"] = endLr, ["start_momentum"] = startMomentum, ["end_momentum"] = endMomentum };

        var warmUp = Phase(pctStart * totalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum");
        if (!threePhase) return [warmUp, Phase(totalSteps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")];
        return
        [
            warmUp,
            Phase(2 * pctStart * totalSteps - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
            Phase(totalSteps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
        ];
    }

    private static List<OrderedDictionary<string, object?>> ToPhases(object? value)
    {
        var phases = new List<OrderedDictionary<string, object?>>();
        foreach (var item in SchedulerStateValues.Items(value, "_schedule_phases"))
        {
            if (item is not IDictionary dict || PhaseKeys.Any(k => !dict.Contains(k)))
                throw SchedulerStateValues.Bad("_schedule_phases", item, $"a phase with {string.Join(", ", PhaseKeys)}");
            var phase = new OrderedDictionary<string, object?>();
            foreach (DictionaryEntry e in dict)
            {
                string key = e.Key as string ?? throw SchedulerStateValues.Bad("_schedule_phases", item, "a phase keyed by strings");
                // PyTorch's last end_step is an int (total_steps - 1), the others floats: each keeps its kind
                // (a conditional expression would make both a double).
                if (key != "end_step") phase[key] = SchedulerStateValues.ToText(e.Value, key);
                else if (e.Value is int or long) phase[key] = SchedulerStateValues.ToInt(e.Value, key);
                else phase[key] = SchedulerStateValues.ToDouble(e.Value, key);
            }
            phases.Add(phase);
        }
        return phases;
    }

    private FloatOrTensor Anneal(FloatOrTensor start, FloatOrTensor end, double pct)
    {
        if (_annealFuncType == "cos")
        {
            double cosOut = Math.Cos(Math.PI * pct) + 1;
            return end + (start - end) / 2.0 * cosOut;
        }
        return (end - start) * pct + start;
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        int stepNum = LastEpoch;
        if (stepNum > _totalSteps)
            throw new ArgumentException($"Tried to step {stepNum} times. The specified number of total steps is {_totalSteps}");

        var groups = Optimizer.ParamGroups;
        var lrs = Lrs();
        var momentums = _momentums;
        momentums.Clear();
        for (int g = 0; g < groups.Count; g++)
        {
            var group = groups[g];
            double startStep = 0.0;
            for (int i = 0; i < _schedulePhases.Count; i++)
            {
                var phase = _schedulePhases[i];
                double endStep = SchedulerStateValues.ToDouble(phase["end_step"], "end_step");
                if (stepNum <= endStep || i == _schedulePhases.Count - 1)
                {
                    double pct = PyMath.Div(stepNum - startStep, endStep - startStep);
                    lrs.Add(Anneal(Option(group, phase, "start_lr"), Option(group, phase, "end_lr"), pct));
                    if (_cycleMomentum)
                        momentums.Add(Anneal(Option(group, phase, "start_momentum"), Option(group, phase, "end_momentum"), pct));
                    break;
                }
                startStep = endStep;
            }
        }
        // Momenta are written once every group's values are known, so an error leaves them untouched.
        for (int i = 0; i < momentums.Count; i++) ParamGroupValues.WriteMomentum(groups[i], _useBeta1, momentums[i]);
        return lrs;
    }

    /// <summary>The group entry a phase names under <paramref name="role"/> (e.g. its start lr is <c>group["initial_lr"]</c>).</summary>
    private static FloatOrTensor Option(ParamGroup group, OrderedDictionary<string, object?> phase, string role)
    {
        string key = (string)phase[role]!;
        return FloatOrTensor.FromOption(group.Peek(key), key);
    }
}
