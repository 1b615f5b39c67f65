namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Cosine annealing with warm restarts, SGDR (PyTorch's
/// <c>torch.optim.lr_scheduler.CosineAnnealingWarmRestarts</c>): each group's lr follows
/// <c>eta_min + (base_lr − eta_min)(1 + cos(π·T_cur/T_i))/2</c>, restarting every <c>T_i</c> epochs,
/// with <c>T_i</c> growing by <c>T_mult</c> after each restart. It can be stepped per batch with
/// fractional epochs through <see cref="Step(double)"/>.
/// </summary>
/// <remarks>
/// As in PyTorch, its step neither warns about the optimizer-step order nor about the deprecated
/// epoch argument, and does not count steps.
/// </remarks>
public sealed class CosineAnnealingWarmRestarts : LRScheduler
{
    private int _t0;
    private int _tI;
    private int _tMult;
    private double _etaMin;
    private double _tCur;
    private bool _tCurIsInt = true; // Python keeps T_cur an int until a fractional epoch or a T_mult restart makes it a float
    private readonly Func<int> _nextEpoch; // made once: a step builds no delegate

    /// <param name="optimizer">The optimizer whose lrs to set.</param>
    /// <param name="t0">Epochs until the first restart.</param>
    /// <param name="tMult">The factor by which the period grows after each restart.</param>
    /// <param name="etaMin">The minimum learning rate.</param>
    /// <param name="lastEpoch">The last epoch already done: -1 to start, or the epoch to resume from.</param>
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult = 1, double etaMin = 0.0, int lastEpoch = -1) : base(optimizer)
    {
        if (t0 <= 0) throw new ArgumentOutOfRangeException(nameof(t0), t0, $"Expected positive integer T_0, but got {t0}");
        if (tMult < 1) throw new ArgumentOutOfRangeException(nameof(tMult), tMult, $"Expected integer T_mult >= 1, but got {tMult}");
        _nextEpoch = NextEpoch;
        _t0 = t0;
        DeclareInt("T_0", () => _t0, v => _t0 = v);
        _tI = t0;
        DeclareInt("T_i", () => _tI, v => _tI = v);
        _tMult = tMult;
        DeclareInt("T_mult", () => _tMult, v => _tMult = v);
        _etaMin = etaMin;
        DeclareDouble("eta_min", () => _etaMin, v => _etaMin = v);
        _tCur = lastEpoch;
        Declare("T_cur", () => _tCurIsInt ? (object)(int)_tCur : _tCur, v =>
        {
            double x = SchedulerStateValues.ToDouble(v, "T_cur");
            bool isInt = v is int or long;
            return () => (_tCur, _tCurIsInt) = (x, isInt);
        });
        Initialize(lastEpoch);
    }

    /// <summary>Epochs since the last restart (PyTorch's <c>T_cur</c>; fractional when stepped with fractional epochs).</summary>
    public double TCur => _tCur;

    /// <summary>The length of the current period (PyTorch's <c>T_i</c>).</summary>
    public int TI => _tI;

    /// <inheritdoc/>
    protected override IReadOnlyList<FloatOrTensor> ComputeLr()
    {
        double cosine = 1 + Math.Cos(PyMath.Div(Math.PI * _tCur, _tI));
        var lrs = Lrs();
        var baseLrs = BaseLrs;
        for (int i = 0; i < baseLrs.Count; i++) lrs.Add(_etaMin + (baseLrs[i] - _etaMin) * cosine / 2);
        return lrs;
    }

    /// <summary>Advances one epoch (the first call, from construction, starts at epoch 0).</summary>
    public override void Step()
    {
        if (LastEpoch < 0)
        {
            StepTo(0, isInt: true);
            return;
        }
        Apply(_nextEpoch);
    }

    private int NextEpoch()
    {
        int epoch = LastEpoch + 1;
        _tCur += 1;
        if (_tCur >= _tI)
        {
            _tCur = _tCurIsInt ? PyMath.Mod((int)_tCur, _tI) : PyMath.Mod(_tCur, _tI);
            _tI *= _tMult;
        }
        return epoch;
    }

    /// <summary>Jumps to <paramref name="epoch"/>, as PyTorch's <c>step(epoch)</c> with an int.</summary>
    public override void Step(int epoch) => StepTo(epoch, isInt: true);

    /// <summary>Jumps to a possibly fractional <paramref name="epoch"/>, e.g. <c>epoch + batch / batches</c>.</summary>
    public void Step(double epoch) => StepTo(epoch, isInt: false);

    private void StepTo(double epoch, bool isInt)
    {
        if (epoch < 0)
            throw new ArgumentOutOfRangeException(nameof(epoch), epoch, $"Expected non-negative epoch, but got {(isInt ? PyRepr.Number(epoch) : PyRepr.Float(epoch))}");
        Apply(() =>
        {
            if (epoch >= _t0)
            {
                if (_tMult == 1)
                {
                    _tCur = isInt ? PyMath.Mod((int)epoch, _t0) : PyMath.Mod(epoch, _t0);
                    _tCurIsInt = isInt;
                }
                else
                {
                    int n = (int)(Math.Log(epoch / _t0 * (_tMult - 1) + 1) / Math.Log(_tMult));
                    int grown = checked((int)Math.Pow(_tMult, n));
                    _tCur = epoch - (double)(_t0 * (grown - 1)) / (_tMult - 1);
                    _tCurIsInt = false;
                    _tI = _t0 * grown;
                }
            }
            else
            {
                _tI = _t0;
                _tCur = epoch;
                _tCurIsInt = isInt;
            }
            return (int)Math.Floor(epoch);
        });
    }

    /// <summary>Runs a T_cur/T_i update, then sets the epoch and the lrs; on an error everything is put back.</summary>
    private void Apply(Func<int> advance)
    {
        var saved = (_tCur, _tCurIsInt, _tI, LastEpoch);
        try
        {
            LastEpoch = advance();
            WriteLrs(GetLrWithinStep());
        }
        catch
        {
            (_tCur, _tCurIsInt, _tI, LastEpoch) = saved;
            throw;
        }
    }
}
