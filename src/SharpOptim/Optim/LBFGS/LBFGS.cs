using System.Collections;

namespace SharpOptim.Optim;

/// <summary>
/// Limited-memory BFGS — PyTorch's <c>torch.optim.LBFGS</c> (after minFunc): each
/// <see cref="Optimizer.Step(Func{Tensor}?)"/> runs up to <c>max_iter</c> quasi-Newton iterations,
/// calling the closure (which must clear the gradients, compute the loss, call
/// <c>Backward()</c> and return the loss) up to <c>max_eval</c> times, with a fixed step
/// <c>lr</c> or PyTorch's strong-Wolfe line search.
/// <para>
/// As in PyTorch: exactly one parameter group; all parameters are optimized as one flat vector;
/// the whole algorithm state is kept as the state of the first parameter (<c>func_evals</c>,
/// <c>n_iter</c>, <c>d</c>, <c>t</c>, <c>old_dirs</c>, <c>old_stps</c>, <c>ro</c>, <c>H_diag</c>,
/// <c>prev_flat_grad</c>, <c>prev_loss</c>, and <c>al</c> once a curvature pair exists), each value
/// of the kind PyTorch stores (<c>t</c> and <c>H_diag</c> can be a number or a 0-d tensor); a
/// missing gradient counts as zeros and a sparse one is densified.
/// </para>
/// <para>
/// Reference path only: PyTorch has no <c>foreach</c>/<c>fused</c>/<c>differentiable</c> LBFGS, and
/// its work is dominated by the closure and by dot products over the flat vector, not by
/// element-wise updates, so there is no kernel path. Memory: about
/// <c>2 × history_size + 3</c> copies of the parameters.
/// </para>
/// </summary>
public sealed class LBFGS : Optimizer
{
    private const string StrongWolfeName = "strong_wolfe";

    /// <param name="parameters">Tensors or (name, tensor) tuples, or a single <see cref="ParamGroup"/>.</param>
    /// <param name="lr">Learning rate, a number or a one-element tensor (default the integer 1, as PyTorch).</param>
    /// <param name="maxIter">Most iterations per step.</param>
    /// <param name="maxEval">Most closure evaluations per step (default <c>maxIter * 5 / 4</c>, rounded down).</param>
    /// <param name="toleranceGrad">Stop when the largest gradient magnitude is at most this.</param>
    /// <param name="toleranceChange">Stop when the step or the loss changes by less than this.</param>
    /// <param name="historySize">How many curvature pairs to keep.</param>
    /// <param name="lineSearchFn">Null (fixed step <c>lr</c>) or <c>"strong_wolfe"</c>.</param>
    /// <param name="maximize">Maximise the closure's value instead of minimising it.</param>
    public LBFGS(OptimizerParams parameters, FloatOrTensor? lr = null, int maxIter = 20, int? maxEval = null,
                 double toleranceGrad = 1e-7, double toleranceChange = 1e-9, int historySize = 100,
                 string? lineSearchFn = null, bool maximize = false)
        : base(parameters, MakeDefaults(lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn, maximize))
    {
        if (ParamGroups.Count != 1)
            throw new ArgumentException("LBFGS doesn't support per-parameter options (parameter groups)", nameof(parameters));
    }

    private static OrderedDictionary<string, object?> MakeDefaults(FloatOrTensor? lr, int maxIter, int? maxEval, double toleranceGrad,
        double toleranceChange, int historySize, string? lineSearchFn, bool maximize)
    {
        if (lr is { } given) Validation.CheckLr(given);
        return new()
        {
            ["lr"] = lr?.AsOption ?? 1, // PyTorch's default is the int 1
            ["max_iter"] = maxIter,
            ["max_eval"] = maxEval ?? (int)Math.Floor(maxIter * 5 / 4.0), // Python's max_iter * 5 // 4
            ["tolerance_grad"] = toleranceGrad,
            ["tolerance_change"] = toleranceChange,
            ["history_size"] = historySize,
            ["line_search_fn"] = lineSearchFn,
            ["maximize"] = maximize,
        };
    }

    /// <summary>LBFGS steps every parameter at once in <see cref="StepImpl"/>; there is no per-group step.</summary>
    protected override void StepGroup(ParamGroup group)
        => throw new System.Diagnostics.UnreachableException("LBFGS runs its whole step in StepImpl");

    /// <summary>
    /// One LBFGS step: PyTorch's <c>LBFGS.step</c>, statement for statement. Returns the loss of the
    /// closure's first evaluation. Errors in the arguments (no closure, several groups, an unknown
    /// line search) are raised before the closure runs or the state changes.
    /// </summary>
    protected override Tensor? StepImpl(Func<Tensor>? closure)
    {
        if (closure is null)
            throw new ArgumentNullException(nameof(closure), "LBFGS.step() missing 1 required positional argument: 'closure' (a function that clears the gradients, computes the loss, calls Backward() and returns the loss)");
        if (ParamGroups.Count != 1)
            throw new InvalidOperationException($"Expected exactly one param_group, but got {ParamGroups.Count}");
        var options = new Options(ParamGroups[0]);
        var ps = ParamGroups[0].Params;
        // Nothing to optimize: still evaluate the closure so the caller gets a loss back.
        if (ps.Count == 0) return EvaluateClosure(closure);

        // LBFGS's state is global; it is kept as the first parameter's state, as PyTorch does.
        var state = StateFor(ps[0]);
        CheckState(state, (key, what) => StateProblem.AtStep(this, ps[0], key, what));
        state.TryAdd("func_evals", 0);
        state.TryAdd("n_iter", 0);

        var origLoss = EvaluateClosure(closure)!;
        double loss = options.Sign * origLoss.Item();
        int currentEvals = 1;
        state["func_evals"] = StateInt(state, "func_evals") + 1;

        var flatGrad = GatherFlatGrad(ps, options.Maximize);
        bool optCond = PyNumber.Of(flatGrad.Abs().Max()) <= options.ToleranceGrad;
        if (optCond) return origLoss;

        var d = state.GetValueOrDefault("d") as Tensor;
        var t = Scalar(state, "t");
        var oldDirs = TensorList(state, "old_dirs");
        var oldStps = TensorList(state, "old_stps");
        var ro = TensorList(state, "ro");
        var hDiag = Scalar(state, "H_diag");
        var prevFlatGrad = state.GetValueOrDefault("prev_flat_grad") as Tensor;
        object? prevLoss = state.GetValueOrDefault("prev_loss");

        int nIter = 0;
        while (nIter < options.MaxIter)
        {
            nIter++;
            int totalIter = StateInt(state, "n_iter") + 1;
            state["n_iter"] = totalIter;

            // The search direction: steepest descent first, then the L-BFGS two-loop recursion.
            if (totalIter == 1)
            {
                d = flatGrad.Neg();
                oldDirs = [];
                oldStps = [];
                ro = [];
                hDiag = PyNumber.Int(1);
            }
            else
            {
                d = TwoLoopDirection(state, flatGrad, prevFlatGrad!, d!, t!.Value, oldDirs!, oldStps!, ro!, ref hDiag, options.HistorySize);
            }
            if (prevFlatGrad is null) prevFlatGrad = flatGrad.Clone();
            else prevFlatGrad.Copy_(flatGrad);
            prevLoss = loss;

            // The step length: scaled down on the very first iteration, lr afterwards.
            t = totalIter == 1
                ? PyNumber.Min(1.0, PyNumber.Float(1.0) / PyNumber.Of(flatGrad.Abs().Sum())) * options.Lr
                : options.Lr;

            // Stop when d is not a descent direction (to tolerance).
            var gtd = PyNumber.Of(flatGrad.Dot(d));
            if (gtd > -options.ToleranceChange) break;

            int lsFuncEvals = 0;
            if (options.LineSearch)
            {
                var xInit = ps.Select(p => p.Clone()).ToList();
                var direction = d;
                (loss, flatGrad, t, lsFuncEvals) = StrongWolfe.Search(
                    step => DirectionalEvaluate(closure, ps, xInit, step, direction, options),
                    t.Value, d, loss, flatGrad, gtd, maxLs: options.MaxEval - currentEvals);
                AddGrad(ps, t.Value, d);
                optCond = PyNumber.Of(flatGrad.Abs().Max()) <= options.ToleranceGrad;
            }
            else
            {
                AddGrad(ps, t.Value, d);
                // The last iteration does not re-evaluate: in a stochastic setting it would be wasted.
                if (nIter != options.MaxIter)
                {
                    loss = options.Sign * EvaluateClosure(closure)!.Item();
                    flatGrad = GatherFlatGrad(ps, options.Maximize);
                    optCond = PyNumber.Of(flatGrad.Abs().Max()) <= options.ToleranceGrad;
                    lsFuncEvals = 1;
                }
            }
            currentEvals += lsFuncEvals;
            state["func_evals"] = StateInt(state, "func_evals") + lsFuncEvals;

            if (nIter == options.MaxIter) break;
            if (currentEvals >= options.MaxEval) break;
            if (optCond) break;
            // Lack of progress: the step or the loss barely changed.
            if (PyNumber.Of(Scale(d, t.Value).Abs().Max()) <= options.ToleranceChange) break;
            if (Math.Abs(loss - (double)prevLoss) < options.ToleranceChange) break;
        }

        state["d"] = d;
        state["t"] = t?.ToValue();
        state["old_dirs"] = oldDirs;
        state["old_stps"] = oldStps;
        state["ro"] = ro;
        state["H_diag"] = hDiag?.ToValue();
        state["prev_flat_grad"] = prevFlatGrad;
        state["prev_loss"] = prevLoss;
        return origLoss;
    }

    /// <summary>
    /// Records the newest curvature pair (y = g − g_prev, s = t·d) when <c>yᵀs &gt; 1e-10</c>, dropping
    /// the oldest beyond <paramref name="historySize"/>, and returns <c>−H·g</c> for the implicit
    /// inverse-Hessian approximation H, computed by the two-loop recursion with one buffer.
    /// </summary>
    private static Tensor TwoLoopDirection(OrderedDictionary<string, object?> state, Tensor flatGrad, Tensor prevFlatGrad, Tensor d,
        PyNumber t, List<Tensor> oldDirs, List<Tensor> oldStps, List<Tensor> ro, ref PyNumber? hDiag, int historySize)
    {
        var y = flatGrad.Sub(prevFlatGrad);
        var s = Scale(d, t);
        var ys = PyNumber.Of(y.Dot(s));
        if (ys > 1e-10)
        {
            if (oldDirs.Count == historySize)
            {
                oldDirs.RemoveAt(0);
                oldStps.RemoveAt(0);
                ro.RemoveAt(0);
            }
            oldDirs.Add(y);
            oldStps.Add(s);
            ro.Add((PyNumber.Float(1.0) / ys).Tensor!);
            // Scale of the initial Hessian approximation: yᵀs / yᵀy.
            hDiag = ys / PyNumber.Of(y.Dot(y));
        }

        int numOld = oldDirs.Count;
        if (!state.ContainsKey("al")) state["al"] = Enumerable.Repeat<object?>(null, historySize).ToList();
        if (state["al"] is not List<object?> al) state["al"] = al = ((IEnumerable)state["al"]!).Cast<object?>().ToList();

        var q = flatGrad.Neg();
        for (int i = numOld - 1; i >= 0; i--)
        {
            var a = PyNumber.Of(oldStps[i].Dot(q)) * PyNumber.Of(ro[i]);
            al[i] = a.Tensor;
            q.Add_(oldDirs[i], alpha: (-a).Value);
        }
        var r = Scale(q, hDiag!.Value);
        for (int i = 0; i < numOld; i++)
        {
            var be = PyNumber.Of(oldDirs[i].Dot(r)) * PyNumber.Of(ro[i]);
            r.Add_(oldStps[i], alpha: (PyNumber.FromValue(al[i], "al") - be).Value);
        }
        return r;
    }

    /// <summary><c>tensor.mul(s)</c>: by a tensor (0-d, so the result keeps the tensor's dtype) or by a number.</summary>
    private static Tensor Scale(Tensor tensor, PyNumber s) => s.Tensor is { } st ? tensor.Mul(st) : tensor.Mul(s.Value);

    /// <summary>All gradients as one flat vector (zeros for a missing gradient, a sparse one densified), negated when maximizing.</summary>
    private static Tensor GatherFlatGrad(IReadOnlyList<Tensor> ps, bool maximize)
    {
        var views = new List<Tensor>(ps.Count);
        foreach (var p in ps)
        {
            if (p.Grad is null) views.Add(Torch.Zeros([p.Numel], p.DType));
            else if (p.Grad.IsSparse) views.Add(p.Grad.ToDense().Reshape(-1));
            else views.Add(p.Grad.Reshape(-1));
        }
        var flat = Torch.Cat(views);
        return maximize ? flat.Neg_() : flat;
    }

    /// <summary>p += step · (p's slice of <paramref name="update"/>) for every parameter.</summary>
    private static void AddGrad(IReadOnlyList<Tensor> ps, PyNumber step, Tensor update)
    {
        int offset = 0;
        foreach (var p in ps)
        {
            p.Add_(update.Narrow(0, offset, p.Numel).Reshape(p.ShapeRef), alpha: step.Value);
            offset += p.Numel;
        }
    }

    /// <summary>The loss and flat gradient at <c>x + t·d</c>, leaving the parameters at <paramref name="x"/>.</summary>
    private static (double, Tensor) DirectionalEvaluate(Func<Tensor> closure, IReadOnlyList<Tensor> ps, List<Tensor> x, PyNumber t, Tensor d, Options options)
    {
        AddGrad(ps, t, d);
        double loss = options.Sign * EvaluateClosure(closure)!.Item();
        var flatGrad = GatherFlatGrad(ps, options.Maximize);
        for (int i = 0; i < ps.Count; i++) ps[i].Copy_(x[i]);
        return (loss, flatGrad);
    }

    // ------------------------------------------------------------ options and state

    /// <summary>The group's options as one step reads them.</summary>
    private readonly struct Options
    {
        public Options(ParamGroup group)
        {
            Lr = PyNumber.FromValue(group["lr"], "lr");
            MaxIter = IntOption(group, "max_iter");
            MaxEval = IntOption(group, "max_eval");
            ToleranceGrad = group.GetDouble("tolerance_grad");
            ToleranceChange = group.GetDouble("tolerance_change");
            HistorySize = IntOption(group, "history_size");
            Maximize = group.ContainsKey("maximize") && group.GetBool("maximize");
            LineSearch = group["line_search_fn"] switch
            {
                null => false,
                StrongWolfeName => true,
                _ => throw new InvalidOperationException("only 'strong_wolfe' is supported"),
            };
            if (LineSearch && MaxEval < 1)
                throw new InvalidOperationException($"max_eval is {MaxEval}, but the strong-Wolfe line search needs at least 1 evaluation per step");
        }

        public PyNumber Lr { get; }
        public int MaxIter { get; }
        public int MaxEval { get; }
        public double ToleranceGrad { get; }
        public double ToleranceChange { get; }
        public int HistorySize { get; }
        public bool Maximize { get; }
        public bool LineSearch { get; }

        /// <summary>−1 when maximizing: the loss is negated as PyTorch negates it.</summary>
        public double Sign => Maximize ? -1 : 1;

        private static int IntOption(ParamGroup group, string key)
        {
            double v = group.GetDouble(key);
            return v == Math.Floor(v) && Math.Abs(v) <= int.MaxValue
                ? (int)v
                : throw new InvalidOperationException($"LBFGS option '{key}' must be an integer, got {PyRepr.Number(v)}");
        }
    }

    private static int StateInt(OrderedDictionary<string, object?> state, string key) => state[key] switch
    {
        int i => i,
        long l => checked((int)l),
        var other => throw new InvalidOperationException($"LBFGS state '{key}' is {StateValues.Describe(other)}, not an integer"),
    };

    private static PyNumber? Scalar(OrderedDictionary<string, object?> state, string key)
        => state.GetValueOrDefault(key) is { } v ? PyNumber.FromValue(v, $"LBFGS state '{key}'") : null;

    /// <summary>A history list as a new list of tensors (a checkpoint reader may give a list of objects).</summary>
    private static List<Tensor>? TensorList(OrderedDictionary<string, object?> state, string key)
        => state.GetValueOrDefault(key) is IEnumerable list ? list.Cast<Tensor>().ToList() : null;

    /// <summary>
    /// Checks a loaded state (see <see cref="CheckState"/>), so that a mismatched checkpoint fails
    /// at load rather than mid-step.
    /// </summary>
    protected override void ValidateLoadedState(Tensor param, int paramId, IReadOnlyDictionary<string, object?> state)
    {
        base.ValidateLoadedState(param, paramId, state);
        CheckState(state, (key, what) => StateProblem.AtLoad(paramId, key, what));
    }

    /// <summary>
    /// LBFGS's state as a step reads it: vectors over all parameters (<c>d</c>,
    /// <c>prev_flat_grad</c>, the history entries) have the total number of elements, the history
    /// lists agree in length, the counters are integers and <c>t</c>, <c>H_diag</c> numbers or
    /// one-element tensors. Checked at load and again before a step runs the closure, so that a
    /// state changed in between fails before anything changes (PyTorch fails midway, after
    /// counting the evaluation).
    /// </summary>
    private void CheckState(IReadOnlyDictionary<string, object?> state, Func<string, string, Exception> bad)
    {
        int numel = ParamGroups[0].Params.Sum(p => p.Numel);
        void CheckFlat(string key, object? value)
        {
            if (value is null) return;
            if (value is not Tensor t) throw bad(key, $"of {StateValues.Describe(value)}, expected a tensor");
            if (t.Dim != 1 || t.Numel != numel) throw bad(key, $"of shape {ShapeUtil.Format(t.ShapeRef)}, but the parameters have {numel} elements in all");
        }
        foreach (var key in new[] { "func_evals", "n_iter" })
            if (state.TryGetValue(key, out var v) && v is not (int or long)) throw bad(key, $"of {StateValues.Describe(v)}, expected an integer");
        CheckFlat("d", state.GetValueOrDefault("d"));
        CheckFlat("prev_flat_grad", state.GetValueOrDefault("prev_flat_grad"));
        var lengths = new List<int>();
        foreach (var key in new[] { "old_dirs", "old_stps", "ro" })
        {
            if (state.GetValueOrDefault(key) is not { } value) continue;
            if (value is not IEnumerable list || value is string) throw bad(key, $"of {StateValues.Describe(value)}, expected a list of tensors");
            var items = list.Cast<object?>().ToList();
            foreach (var item in items)
                if (key == "ro") { if (item is not Tensor { Numel: 1 }) throw bad(key, "with an entry that is not a one-element tensor"); }
                else CheckFlat(key, item ?? throw bad(key, "with a None entry"));
            lengths.Add(items.Count);
        }
        if (lengths.Distinct().Count() > 1) throw bad("old_dirs", "of a different length from 'old_stps' or 'ro'");
        foreach (var key in new[] { "t", "H_diag" })
            if (state.GetValueOrDefault(key) is { } v and not (int or long or double or Tensor { Numel: 1 }))
                throw bad(key, $"of {StateValues.Describe(v)}, expected a number or a one-element tensor");
        if (state.GetValueOrDefault("al") is { } al && (al is not IEnumerable || al is string))
            throw bad("al", $"of {StateValues.Describe(al)}, expected a list");
    }
}
