namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Reduces each group's lr by <c>factor</c> when a metric has stopped improving for
/// <c>patience</c> epochs (PyTorch's <c>torch.optim.lr_scheduler.ReduceLROnPlateau</c>). Step it
/// with the metric: <see cref="Step(double)"/>.
/// </summary>
/// <remarks>
/// Deviation: a <c>min_lr</c> left at its default is kept as the float 0.0; PyTorch keeps the int 0
/// (the two behave the same).
/// </remarks>
public sealed class ReduceLROnPlateau : LRScheduler
{
    private static readonly string[] Modes = ["min", "max"];
    private static readonly string[] ThresholdModes = ["rel", "abs"];
    private const string DefaultMinLrKey = "default_min_lr";
    private const string MinLrsKey = "min_lrs";

    private double _factor;
    private double? _defaultMinLr;
    private List<double> _minLrs;
    private int _patience;
    private int _cooldown;
    private double _eps;
    private double _modeWorse;
    private string _mode = "min";
    private double _threshold;
    private string _thresholdMode = "rel";
    private double _best;
    private int _cooldownCounter;
    private int _numBadEpochs;

    /// <param name="optimizer">The optimizer whose lrs to reduce.</param>
    /// <param name="mode"><c>"min"</c>: reduce when the metric stops decreasing; <c>"max"</c>: when it stops increasing.</param>
    /// <param name="factor">The factor applied to the lr on a reduction (below 1).</param>
    /// <param name="patience">Epochs without improvement tolerated before reducing.</param>
    /// <param name="threshold">How much better a metric must be to count as an improvement.</param>
    /// <param name="thresholdMode"><c>"rel"</c>: the threshold is relative to the best value; <c>"abs"</c>: absolute.</param>
    /// <param name="cooldown">Epochs to wait after a reduction before counting bad epochs again.</param>
    /// <param name="minLr">The lowest lr, for all groups or per group (default 0).</param>
    /// <param name="eps">Reductions smaller than this are skipped.</param>
    public ReduceLROnPlateau(Optimizer optimizer, string mode = "min", double factor = 0.1, int patience = 10, double threshold = 1e-4,
                             string thresholdMode = "rel", int cooldown = 0, PerGroup? minLr = null, double eps = 1e-8)
        : base(optimizer)
    {
        if (factor >= 1.0) throw new ArgumentOutOfRangeException(nameof(factor), factor, "Factor should be < 1.0.");
        _factor = factor;
        DeclareDouble("factor", () => _factor, v => _factor = v);

        int groups = Optimizer.ParamGroups.Count;
        var given = minLr ?? 0.0;
        if (given.IsList)
        {
            if (given.Given.Count != groups)
                throw new ArgumentException($"expected {groups} min_lrs, got {given.Given.Count}", nameof(minLr));
            _defaultMinLr = null;
            _minLrs = given.Given.Select(v => v.Value).ToList();
        }
        else
        {
            _defaultMinLr = given.Given[0].Value;
            _minLrs = Enumerable.Repeat(_defaultMinLr.Value, groups).ToList();
        }
        if (minLr is null) NoteDefaultMinLrIsInt(); // PyTorch's default min_lr is the int 0
        Declare(DefaultMinLrKey, () => _defaultMinLr is double d ? ExportNumber(DefaultMinLrKey, d) : null, v =>
        {
            double? x = v is null ? null : SchedulerStateValues.ToDouble(v, DefaultMinLrKey);
            return () =>
            {
                _defaultMinLr = x;
                NoteLoadedKinds(DefaultMinLrKey, v);
            };
        });
        Declare(MinLrsKey, () => _minLrs.Select((minLr, i) => (object?)ExportNumber(MinLrsKey, minLr, i)).ToList(), v =>
        {
            var x = SchedulerStateValues.ToDoubleList(v, MinLrsKey);
            return () =>
            {
                _minLrs = x;
                NoteLoadedKinds(MinLrsKey, v);
            };
        });
        _patience = patience;
        DeclareInt("patience", () => _patience, v => _patience = v);
        _cooldown = cooldown;
        DeclareInt("cooldown", () => _cooldown, v => _cooldown = v);
        _eps = eps;
        DeclareDouble("eps", () => _eps, v => _eps = v);
        LastEpoch = 0;
        DeclareInt("last_epoch", () => LastEpoch, v => LastEpoch = v);
        ReadLastLrsFromGroups(Optimizer);
        InitIsBetter(mode, threshold, thresholdMode);
        DeclareDouble("mode_worse", () => _modeWorse, v => _modeWorse = v);
        DeclareString("mode", () => _mode, v => _mode = v, Modes);
        DeclareDouble("threshold", () => _threshold, v => _threshold = v);
        DeclareString("threshold_mode", () => _thresholdMode, v => _thresholdMode = v, ThresholdModes);
        Reset();
        DeclareDouble("best", () => _best, v => _best = v);
        DeclareInt("cooldown_counter", () => _cooldownCounter, v => _cooldownCounter = v);
        DeclareInt("num_bad_epochs", () => _numBadEpochs, v => _numBadEpochs = v);
        MarkInitialized();
    }

    /// <summary>The lowest lr of each group (PyTorch's <c>min_lrs</c>); append to it after adding a parameter group when <c>min_lr</c> was a list.</summary>
    public List<double> MinLrs => _minLrs;

    /// <summary>Notes <c>default_min_lr</c>, and every <c>min_lrs</c> item made from it, as the Python int they are.</summary>
    private void NoteDefaultMinLrIsInt()
    {
        NoteInt(DefaultMinLrKey, -1, _defaultMinLr!.Value);
        for (int i = 0; i < _minLrs.Count; i++) NoteInt(MinLrsKey, i, _defaultMinLr.Value);
    }

    /// <summary>The best metric seen so far (PyTorch's <c>best</c>).</summary>
    public double Best => _best;

    /// <summary>Epochs since the last improvement (PyTorch's <c>num_bad_epochs</c>).</summary>
    public int NumBadEpochs => _numBadEpochs;

    /// <summary>True while waiting after a reduction (PyTorch's <c>in_cooldown</c>).</summary>
    public bool InCooldown => _cooldownCounter > 0;

    private void InitIsBetter(string mode, double threshold, string thresholdMode)
    {
        if (!Modes.Contains(mode)) throw new ArgumentException("mode " + mode + " is unknown!", nameof(mode));
        if (!ThresholdModes.Contains(thresholdMode)) throw new ArgumentException("threshold mode " + thresholdMode + " is unknown!", nameof(thresholdMode));
        _modeWorse = mode == "min" ? double.PositiveInfinity : double.NegativeInfinity;
        _mode = mode;
        _threshold = threshold;
        _thresholdMode = thresholdMode;
    }

    private void Reset()
    {
        _best = _modeWorse;
        _cooldownCounter = 0;
        _numBadEpochs = 0;
    }

    /// <summary>Records the epoch's metric and reduces the lrs when it has not improved for long enough.</summary>
    public void Step(double metrics) => StepOn(metrics, null);

    /// <summary>As <see cref="Step(double)"/> with a one-element tensor metric (a loss, say).</summary>
    public void Step(Tensor metrics) => StepOn((metrics ?? throw new ArgumentNullException(nameof(metrics))).Item(), null);

    /// <summary>Deprecated in PyTorch: records the metric as that of <paramref name="epoch"/> (warns).</summary>
    public void Step(double metrics, int epoch)
    {
        SchedulerWarnings.Warn(SchedulerWarnings.EpochDeprecation);
        StepOn(metrics, epoch);
    }

    /// <summary>Not supported: this scheduler steps on a metric, <see cref="Step(double)"/>.</summary>
    public override void Step() => throw new ArgumentException("ReduceLROnPlateau.step() missing 1 required positional argument: 'metrics'");

    /// <summary>Not supported: this scheduler steps on a metric, <see cref="Step(double, int)"/>.</summary>
    public override void Step(int epoch) => throw new ArgumentException("ReduceLROnPlateau steps on a metric: call Step(metrics) or Step(metrics, epoch)", nameof(epoch));

    private void StepOn(double current, int? epoch)
    {
        var saved = (LastEpoch, _best, _numBadEpochs, _cooldownCounter, _minLrs);
        try
        {
            int e = epoch ?? LastEpoch + 1;
            LastEpoch = e;
            if (IsBetter(current, _best))
            {
                _best = current;
                _numBadEpochs = 0;
            }
            else _numBadEpochs++;

            if (InCooldown)
            {
                _cooldownCounter--;
                _numBadEpochs = 0; // bad epochs in cooldown do not count
            }
            if (_numBadEpochs > _patience)
            {
                ReduceLr();
                _cooldownCounter = _cooldown;
                _numBadEpochs = 0;
            }
            ReadLastLrsFromGroups(Optimizer);
        }
        catch
        {
            (LastEpoch, _best, _numBadEpochs, _cooldownCounter, _minLrs) = saved;
            throw;
        }
    }

    private void ReduceLr()
    {
        var groups = Optimizer.ParamGroups;
        if (groups.Count != _minLrs.Count)
        {
            if (_defaultMinLr is not double defaultMinLr)
                throw new InvalidOperationException(
                    $"The number of param groups in the `optimizer` ({groups.Count}) differs from when `ReduceLROnPlateau` was initialized " +
                    $"({_minLrs.Count}), usually due to a new param group being added to the optimizer. Please modify the `min_lrs` field to match the length of the `optimizer` param groups.");
            _minLrs = Enumerable.Repeat(defaultMinLr, groups.Count).ToList();
            if (ExportNumber(DefaultMinLrKey, defaultMinLr) is not double) NoteDefaultMinLrIsInt();
        }
        for (int i = 0; i < groups.Count; i++)
        {
            double oldLr = groups[i].Lr;
            double reduced = oldLr * _factor;
            double newLr = _minLrs[i] > reduced ? _minLrs[i] : reduced; // Python's max keeps the first on ties
            if (oldLr - newLr > _eps) ParamGroupValues.Write(groups[i], "lr", newLr);
        }
    }

    private bool IsBetter(double a, double best) => (_mode, _thresholdMode) switch
    {
        ("min", "rel") => a < best * (1.0 - _threshold),
        ("min", _) => a < best - _threshold,
        ("max", "rel") => a > best * (_threshold + 1.0),
        _ => a > best + _threshold,
    };

    /// <summary>As PyTorch's load_state_dict: the worst value follows the loaded mode.</summary>
    protected override void OnStateLoaded() => InitIsBetter(_mode, _threshold, _thresholdMode);

    /// <summary>Throws: this scheduler has no base lrs.</summary>
    public override IReadOnlyList<FloatOrTensor> BaseLrs => throw NoAttribute("base_lrs");

    private protected override bool ComputesLr => false;

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
        => throw new InvalidOperationException("ReduceLROnPlateau has no get_lr: its lrs follow the metric given to Step(metrics)");
}
