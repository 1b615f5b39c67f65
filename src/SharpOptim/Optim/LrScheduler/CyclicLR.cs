namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Cyclical learning rates, CLR (PyTorch's <c>torch.optim.lr_scheduler.CyclicLR</c>): each group's
/// lr cycles between <c>base_lr</c> and <c>max_lr</c>, rising for <c>step_size_up</c> steps and
/// falling for <c>step_size_down</c>, its amplitude scaled per cycle or per iteration
/// (<c>"triangular"</c>, <c>"triangular2"</c>, <c>"exp_range"</c>, or a custom function). Momentum
/// cycles inversely between <c>max_momentum</c> and <c>base_momentum</c> — or <c>betas[0]</c> for
/// optimizers that have betas. Step it after every batch.
/// </summary>
/// <remarks>
/// A custom <c>scaleFn</c> is a delegate, which PyTorch counts as a plain function: it is not
/// saved in the state dict (<c>_scale_fn_custom</c> is None), and the scheduler that loads a state
/// dict keeps its own.
/// </remarks>
public sealed class CyclicLR : LRScheduler
{
    private const string ScaleFnCustomKey = "_scale_fn_custom";
    private static readonly string[] BuiltInModes = ["triangular", "triangular2", "exp_range"];

    private List<FloatOrTensor> _maxLrs;
    private double _totalSize;
    private double _stepRatio;
    private string _mode;
    private double _gamma;
    private readonly Func<double, double>? _scaleFnCustom;
    private string _scaleMode;
    private bool _cycleMomentum;
    private bool _useBeta1;
    private List<FloatOrTensor> _baseMomentums = [];
    private List<FloatOrTensor> _maxMomentums = [];
    private readonly List<FloatOrTensor> _momentums = [];

    /// <param name="optimizer">The optimizer whose lrs (and momenta) to cycle.</param>
    /// <param name="baseLr">The lower lr boundary, for all groups or per group.</param>
    /// <param name="maxLr">The upper lr boundary, for all groups or per group.</param>
    /// <param name="stepSizeUp">Iterations in the rising half of a cycle.</param>
    /// <param name="stepSizeDown">Iterations in the falling half (default: <paramref name="stepSizeUp"/>).</param>
    /// <param name="mode"><c>"triangular"</c>, <c>"triangular2"</c> or <c>"exp_range"</c>; ignored when <paramref name="scaleFn"/> is given.</param>
    /// <param name="gamma">The constant of <c>"exp_range"</c>: the amplitude scales by gamma^iterations.</param>
    /// <param name="scaleFn">A custom amplitude scaling, 0 ≤ f(x) ≤ 1, of the cycle number or the iteration.</param>
    /// <param name="scaleMode"><c>"cycle"</c> or <c>"iterations"</c>: what <paramref name="scaleFn"/> is given.</param>
    /// <param name="cycleMomentum">Cycle momentum (or betas[0]) inversely to the lr.</param>
    /// <param name="baseMomentum">The lower momentum boundary, for all groups or per group.</param>
    /// <param name="maxMomentum">The upper momentum boundary, for all groups or per group.</param>
    /// <param name="lastEpoch">The index of the last batch: -1 to start, or the batch to resume from.</param>
    public CyclicLR(Optimizer optimizer, PerGroup baseLr, PerGroup maxLr, int stepSizeUp = 2000, int? stepSizeDown = null,
                    string mode = "triangular", double gamma = 1.0, Func<double, double>? scaleFn = null, string scaleMode = "cycle",
                    bool cycleMomentum = true, PerGroup? baseMomentum = null, PerGroup? maxMomentum = null, int lastEpoch = -1)
        : base(optimizer)
    {
        var snapshot = ParamGroupsSnapshot.Take(Optimizer);
        try
        {
            var baseLrs = baseLr.Expand("base_lr", Optimizer);
            if (lastEpoch == -1)
                for (int i = 0; i < baseLrs.Count; i++) ParamGroupValues.Write(Optimizer.ParamGroups[i], "lr", baseLrs[i]);

            _maxLrs = maxLr.Expand("max_lr", Optimizer);
            DeclareLrList("max_lrs", () => _maxLrs, v => _maxLrs = v);
            double up = stepSizeUp;
            double down = stepSizeDown ?? up;
            _totalSize = up + down;
            DeclareDouble("total_size", () => _totalSize, v => _totalSize = v);
            _stepRatio = PyMath.Div(up, _totalSize);
            DeclareDouble("step_ratio", () => _stepRatio, v => _stepRatio = v);

            if (!BuiltInModes.Contains(mode) && scaleFn is null)
                throw new ArgumentException("mode is invalid and scale_fn is None", nameof(mode));
            _mode = mode;
            DeclareString("mode", () => _mode, v => _mode = v);
            _gamma = gamma;
            DeclareDouble("gamma", () => _gamma, v => _gamma = v);
            _scaleFnCustom = scaleFn;
            _scaleMode = scaleMode;
            DeclareString("scale_mode", () => _scaleMode, v => _scaleMode = v, "cycle", "iterations");
            InitScaleMode();

            _cycleMomentum = cycleMomentum;
            DeclareBool("cycle_momentum", () => _cycleMomentum, v => _cycleMomentum = v);
            if (cycleMomentum)
            {
                (_useBeta1, _baseMomentums, _maxMomentums) = MomentumCycle.Setup(
                    Optimizer, baseMomentum ?? 0.8, maxMomentum ?? 0.9, writeStart: lastEpoch == -1, maxFirst: false);
                DeclareBool("use_beta1", () => _useBeta1, v => _useBeta1 = v);
                DeclareLrList("base_momentums", () => _baseMomentums, v => _baseMomentums = v);
                DeclareLrList("max_momentums", () => _maxMomentums, v => _maxMomentums = v);
            }

            Initialize(lastEpoch);
            BaseLrList = baseLrs;
        }
        catch
        {
            snapshot.Restore();
            throw;
        }
    }

    /// <summary>
    /// The built-in modes decide what their scaling is a function of (PyTorch's
    /// <c>_init_scale_fn</c>): the cycle for the triangular ones, the iteration for exp_range.
    /// </summary>
    private void InitScaleMode()
    {
        if (_scaleFnCustom is not null) return;
        if (_mode is "triangular" or "triangular2") _scaleMode = "cycle";
        else if (_mode == "exp_range") _scaleMode = "iterations";
    }

    private double ScaleFn(double x)
    {
        if (_scaleFnCustom is not null) return _scaleFnCustom(x);
        return _mode switch
        {
            "triangular" => 1.0,
            "triangular2" => 1 / Math.Pow(2.0, x - 1),
            "exp_range" => Math.Pow(_gamma, x),
            _ => throw new InvalidOperationException($"mode {_mode} is invalid and scale_fn is None"),
        };
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        double position = PyMath.Div(LastEpoch, _totalSize);
        int cycle = (int)Math.Floor(1 + position);
        double x = 1.0 + position - cycle;
        double scaleFactor = x <= _stepRatio ? PyMath.Div(x, _stepRatio) : PyMath.Div(x - 1, _stepRatio - 1);
        double scaleAt = _scaleMode == "cycle" ? cycle : LastEpoch;

        var lrs = Lrs();
        var baseLrs = BaseLrList;
        for (int i = 0; i < baseLrs.Count; i++) lrs.Add(baseLrs[i] + (_maxLrs[i] - baseLrs[i]) * scaleFactor * ScaleFn(scaleAt));
        if (_cycleMomentum)
        {
            // Every momentum is computed before any is written, so a failing scale function changes nothing.
            _momentums.Clear();
            for (int i = 0; i < _baseMomentums.Count; i++)
                _momentums.Add(_maxMomentums[i] - (_maxMomentums[i] - _baseMomentums[i]) * scaleFactor * ScaleFn(scaleAt));
            for (int i = 0; i < _momentums.Count; i++) ParamGroupValues.WriteMomentum(Optimizer.ParamGroups[i], _useBeta1, _momentums[i]);
        }
        return lrs;
    }

    /// <inheritdoc/>
    public override OrderedDictionary<string, object?> StateDict()
    {
        var result = base.StateDict();
        result[ScaleFnCustomKey] = null;
        return result;
    }

    private protected override Action PrepareLoad(IReadOnlyDictionary<string, object?> stateDict)
    {
        var (custom, found, rest) = StateDictEntries.Split(stateDict, ScaleFnCustomKey);
        if (!found) throw new ArgumentException($"state dict has no '{ScaleFnCustomKey}' entry", nameof(stateDict));
        if (custom is not null)
            throw new ArgumentException($"state dict entry '{ScaleFnCustomKey}' holds the state of a Python callable object, which a .NET delegate cannot take", nameof(stateDict));
        return base.PrepareLoad(rest);
    }

    /// <inheritdoc/>
    protected override void OnStateLoaded() => InitScaleMode();
}
