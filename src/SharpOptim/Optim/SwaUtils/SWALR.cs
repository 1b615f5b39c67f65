using SharpOptim.Optim.LrScheduler;

namespace SharpOptim.Optim.SwaUtils;

/// <summary>
/// Anneals each parameter group's learning rate to a fixed SWA learning rate, as
/// <c>torch.optim.swa_utils.SWALR</c>: over <c>annealEpochs</c> steps the rate moves from the
/// group's current <c>lr</c> to its <c>swa_lr</c> along a cosine (<c>"cos"</c>) or a straight
/// line (<c>"linear"</c>), then stays there. Use it once SWA starts, instead of the main schedule:
/// <c>optimizer.Step(); swaScheduler.Step();</c> once per epoch.
/// </summary>
/// <remarks>
/// Each step recovers the rate it started from out of the group's current <c>lr</c> and the
/// previous step's annealing factor, so a schedule that changed <c>lr</c> before SWA started is
/// continued from where it left off. Like PyTorch's, the annealing position counts this
/// scheduler's own steps (<see cref="LRScheduler.StepCount"/>): a scheduler created with
/// <c>lastEpoch</c> starts annealing from its first step again. A tensor <c>lr</c> is updated in
/// place and computed with tensor arithmetic (so in its dtype), as PyTorch does; <c>swa_lr</c> is
/// a number. Everything else (initial lrs, <c>last_epoch</c>, <c>Step</c>, <c>GetLastLr</c>, the
/// base state) is the shared <see cref="LRScheduler"/>'s.
/// </remarks>
public sealed class SWALR : LRScheduler
{
    private string _annealStrategy;
    private int _annealEpochs;

    /// <summary>One SWA learning rate for every group.</summary>
    /// <inheritdoc cref="SWALR(Optimizer, IReadOnlyList{double}, int, string, int)"/>
    public SWALR(Optimizer optimizer, double swaLr, int annealEpochs = 10, string annealStrategy = "cos", int lastEpoch = -1)
        : this(optimizer, (PerGroup)swaLr, annealEpochs, annealStrategy, lastEpoch)
    {
    }

    /// <summary>One SWA learning rate per group.</summary>
    /// <param name="optimizer">The optimizer whose groups' <c>lr</c> this scheduler sets.</param>
    /// <param name="swaLr">The learning rate(s) to anneal to, stored in each group as <c>"swa_lr"</c>.</param>
    /// <param name="annealEpochs">Steps of the annealing phase (0: jump to <c>swa_lr</c> at the first step).</param>
    /// <param name="annealStrategy"><c>"cos"</c> or <c>"linear"</c>.</param>
    /// <param name="lastEpoch">-1 to start; otherwise every group must already hold <c>"initial_lr"</c>.</param>
    /// <exception cref="ArgumentException">A wrong number of rates, an unknown strategy, a negative
    /// <paramref name="annealEpochs"/>, or a resume without <c>initial_lr</c> (PyTorch's messages).
    /// Nothing is changed then; PyTorch has already written <c>swa_lr</c> into the groups when it raises.</exception>
    public SWALR(Optimizer optimizer, IReadOnlyList<double> swaLr, int annealEpochs = 10, string annealStrategy = "cos", int lastEpoch = -1)
        : this(optimizer, (PerGroup)(swaLr ?? throw new ArgumentNullException(nameof(swaLr))).ToList(), annealEpochs, annealStrategy, lastEpoch)
    {
    }

    private SWALR(Optimizer optimizer, PerGroup swaLr, int annealEpochs, string annealStrategy, int lastEpoch)
        : base(optimizer)
    {
        var swaLrs = swaLr.Expand("swa_lr", Optimizer);
        AnnealStrategies.Check(annealStrategy, nameof(annealStrategy));
        if (annealEpochs < 0)
            throw new ArgumentOutOfRangeException(nameof(annealEpochs), annealEpochs, $"anneal_epochs must be equal or greater than 0, got {annealEpochs}");

        var snapshot = ParamGroupsSnapshot.Take(Optimizer);
        try
        {
            for (int i = 0; i < swaLrs.Count; i++) Optimizer.ParamGroups[i]["swa_lr"] = swaLrs[i].AsOption;
            _annealStrategy = annealStrategy;
            DeclareString("_anneal_strategy", () => _annealStrategy, v => _annealStrategy = v, AnnealStrategies.Names);
            _annealEpochs = annealEpochs;
            DeclareInt("anneal_epochs", () => _annealEpochs, v => _annealEpochs = v);
            Initialize(lastEpoch);
        }
        catch
        {
            snapshot.Restore();
            throw;
        }
    }

    /// <summary>Steps of the annealing phase.</summary>
    public int AnnealEpochs => _annealEpochs;

    /// <summary><c>"cos"</c> or <c>"linear"</c>.</summary>
    public string AnnealStrategy => _annealStrategy;

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        int step = StepCount - 1;
        if (_annealEpochs == 0) step = Math.Max(1, step);
        double span = Math.Max(1, _annealEpochs);
        double previousAlpha = Anneal(Math.Clamp((step - 1) / span, 0, 1));
        double alpha = Anneal(Math.Clamp(step / span, 0, 1));
        var lrs = Lrs();
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++)
        {
            double swaLr = groups[i].GetDouble("swa_lr");
            var startLr = StartingLr(FloatOrTensor.FromOption(groups[i].Peek("lr"), "lr"), swaLr, previousAlpha);
            lrs.Add(swaLr * alpha + startLr * (1 - alpha));
        }
        return lrs;
    }

    /// <summary>The rate the annealing started from, recovered from the current one (PyTorch's <c>_get_initial_lr</c>).</summary>
    private static FloatOrTensor StartingLr(FloatOrTensor lr, double swaLr, double alpha)
        => alpha == 1 ? swaLr : (lr - alpha * swaLr) / (1 - alpha);

    private double Anneal(double t) => _annealStrategy == "cos" ? (1 - Math.Cos(Math.PI * t)) / 2 : t;

    /// <summary>
    /// PyTorch rebuilds <c>anneal_func</c> from <c>_anneal_strategy</c> after loading and never
    /// saves it, so an <c>anneal_func</c> entry in a loaded dict is dropped rather than kept.
    /// </summary>
    private protected override Action PrepareLoad(IReadOnlyDictionary<string, object?> stateDict)
    {
        var kept = new OrderedDictionary<string, object?>();
        foreach (var (key, value) in stateDict)
            if (key != "anneal_func") kept[key] = value;
        return base.PrepareLoad(kept);
    }
}
