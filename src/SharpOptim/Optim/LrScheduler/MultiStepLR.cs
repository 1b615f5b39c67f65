using System.Collections;

namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Multiplies each group's lr by <c>gamma</c> when the epoch reaches one of the milestones (by
/// <c>gamma</c>ⁿ for a milestone listed n times) — PyTorch's <c>torch.optim.lr_scheduler.MultiStepLR</c>.
/// </summary>
public sealed class MultiStepLR : LRScheduler
{
    private Counter _milestones;
    private double _gamma;

    /// <param name="optimizer">The optimizer whose lrs to set.</param>
    /// <param name="milestones">Epochs at which to decay (repeats count, order does not matter).</param>
    /// <param name="gamma">Multiplicative factor of the decay.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start, or the epoch to resume from.</param>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1, int lastEpoch = -1) : base(optimizer)
    {
        _milestones = new Counter(milestones ?? throw new ArgumentNullException(nameof(milestones)));
        Declare("milestones", () => _milestones, v => { var c = ToCounter(v); return () => _milestones = c; });
        _gamma = gamma;
        DeclareDouble("gamma", () => _gamma, v => _gamma = v);
        Initialize(lastEpoch);
    }

    /// <summary>The milestones with their multiplicities (PyTorch's <c>milestones</c> Counter).</summary>
    public IReadOnlyDictionary<int, int> Milestones => _milestones;

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        if (!_milestones.TryGetValue(LastEpoch, out int times)) return GroupLrs();
        return GroupLrsTimes(Math.Pow(_gamma, times));
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeClosedFormLr()
    {
        var sorted = _milestones.Elements().Order().ToList();
        int passed = PyMath.BisectRight(sorted, LastEpoch);
        return BaseLrs.Select(baseLr => baseLr * Math.Pow(_gamma, passed)).ToList();
    }

    private static Counter ToCounter(object? value)
    {
        if (value is not IDictionary dict) throw SchedulerStateValues.Bad("milestones", value, "a Counter of epochs");
        var counter = new Counter();
        foreach (DictionaryEntry e in dict)
            counter[SchedulerStateValues.ToInt(e.Key, "milestones")] = SchedulerStateValues.ToInt(e.Value, "milestones");
        return counter;
    }
}
