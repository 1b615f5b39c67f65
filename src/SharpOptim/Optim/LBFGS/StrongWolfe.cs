namespace SharpOptim.Optim;

/// <summary>
/// The strong-Wolfe line search of PyTorch's LBFGS (<c>torch.optim.lbfgs._strong_wolfe</c>, itself
/// a port of torch7's <c>lswolfe.lua</c>): bracket a step length satisfying the strong Wolfe
/// conditions, then zoom in on it with safeguarded cubic interpolation. Every scalar keeps the
/// kind PyTorch gives it (<see cref="PyNumber"/>), so comparisons round as PyTorch's do.
/// </summary>
internal static class StrongWolfe
{
    /// <summary>Evaluates the objective at <c>x + t·d</c> (restoring <c>x</c>): the loss and the flat gradient.</summary>
    public delegate (double Loss, Tensor Grad) Objective(PyNumber t);

    /// <summary>
    /// The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to
    /// <paramref name="bounds"/> (by default the interval between the two points); the middle of
    /// the bounds when the cubic has no minimiser.
    /// </summary>
    public static PyNumber CubicInterpolate(PyNumber x1, PyNumber f1, PyNumber g1, PyNumber x2, PyNumber f2, PyNumber g2,
                                            (PyNumber Min, PyNumber Max)? bounds = null)
    {
        var (xminBound, xmaxBound) = bounds ?? (x1 <= x2 ? (x1, x2) : (x2, x1));
        // d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2),  d2 = sqrt(d1² - g1 g2)
        var d1 = g1 + g2 - PyNumber.Int(3) * (f1 - f2) / (x1 - x2);
        var d2Square = d1.Square() - g1 * g2;
        if (!(d2Square >= 0.0)) return (xminBound + xmaxBound) / 2.0;
        var d2 = d2Square.Sqrt();
        var minPos = x1 <= x2
            ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + PyNumber.Int(2) * d2))
            : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + PyNumber.Int(2) * d2));
        return PyNumber.Min(PyNumber.Max(minPos, xminBound), xmaxBound);
    }

    /// <summary>
    /// Searches along <paramref name="d"/> from the point where the loss is <paramref name="f"/>, the
    /// gradient <paramref name="g"/> and the directional derivative <paramref name="gtd"/>, starting
    /// with step <paramref name="t"/>, for at most <paramref name="maxLs"/> further evaluations.
    /// Returns the loss and gradient at the chosen step, the step, and the number of evaluations.
    /// </summary>
    public static (double Loss, Tensor Grad, PyNumber T, int Evaluations) Search(
        Objective objective, PyNumber t, Tensor d, double f, Tensor g, PyNumber gtd,
        double c1 = 1e-4, double c2 = 0.9, double toleranceChange = 1e-9, int maxLs = 25)
    {
        var dNorm = PyNumber.Of(d.Abs().Max());
        g = g.Clone();
        var (fNew, gNew) = objective(t);
        int evaluations = 1;
        var gtdNew = PyNumber.Of(gNew.Dot(d));

        // Sufficient decrease (Armijo): f(t) <= f + c1·t·gtd. The product is formed as PyTorch forms it.
        bool Armijo(double fAt, PyNumber step) => !(PyNumber.Float(fAt) > PyNumber.Float(f) + PyNumber.Float(c1) * step * gtd);
        // Curvature (strong Wolfe): |gtd(t)| <= -c2·gtd.
        bool Curvature(PyNumber gtdAt) => gtdAt.Abs() <= PyNumber.Float(-c2) * gtd;

        // Bracketing phase: find an interval that contains a point satisfying the conditions.
        PyNumber tPrev = PyNumber.Int(0);
        double fPrev = f;
        Tensor gPrev = g;
        PyNumber gtdPrev = gtd;
        bool done = false;
        int lsIter = 0;
        Bracket? bracket = null;
        while (lsIter < maxLs)
        {
            if (!Armijo(fNew, t) || (lsIter > 1 && fNew >= fPrev))
            {
                bracket = new Bracket(tPrev, fPrev, gPrev, gtdPrev, t, fNew, gNew.Clone(), gtdNew);
                break;
            }
            if (Curvature(gtdNew))
            {
                bracket = Bracket.Single(t, fNew, gNew);
                done = true;
                break;
            }
            if (gtdNew >= 0.0)
            {
                bracket = new Bracket(tPrev, fPrev, gPrev, gtdPrev, t, fNew, gNew.Clone(), gtdNew);
                break;
            }

            // Extrapolate: a cubic step between 1.01·t and 10·t past the current point.
            var minStep = t + PyNumber.Float(0.01) * (t - tPrev);
            var maxStep = t * PyNumber.Int(10);
            var previous = t;
            t = CubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, (minStep, maxStep));

            tPrev = previous;
            fPrev = fNew;
            gPrev = gNew.Clone();
            gtdPrev = gtdNew;
            (fNew, gNew) = objective(t);
            evaluations++;
            gtdNew = PyNumber.Of(gNew.Dot(d));
            lsIter++;
        }

        // Out of evaluations: bracket [0, t] (no slopes; the zoom below will not run).
        if (lsIter == maxLs) bracket = new Bracket(PyNumber.Int(0), f, g, null, t, fNew, gNew, null);
        if (bracket is null)
            throw new InvalidOperationException($"the strong-Wolfe line search was given {maxLs} evaluations; it needs at least 0 (LBFGS's max_eval must be at least 1 with line_search_fn='strong_wolfe')");

        // Zoom phase: shrink the bracket until a point satisfies the conditions.
        bool insufficientProgress = false;
        var (low, high) = bracket.F[0] <= bracket.F[^1] ? (0, 1) : (1, 0);
        while (!done && lsIter < maxLs)
        {
            // The bracket is too small to matter.
            if ((bracket.T[1] - bracket.T[0]).Abs() * dNorm < toleranceChange) break;

            t = CubicInterpolate(bracket.T[0], bracket.F[0], bracket.Gtd[0]!.Value, bracket.T[1], bracket.F[1], bracket.Gtd[1]!.Value);

            // A trial point within 10% of the bracket's length from an end makes little progress:
            // the second time in a row (or when it lands on or outside an end) move it to 10% in.
            var upper = PyNumber.Max(bracket.T[0], bracket.T[1]);
            var lower = PyNumber.Min(bracket.T[0], bracket.T[1]);
            var eps = PyNumber.Float(0.1) * (upper - lower);
            if (PyNumber.Min(upper - t, t - lower) < eps)
            {
                if (insufficientProgress || t >= upper || t <= lower)
                {
                    t = (t - upper).Abs() < (t - lower).Abs() ? upper - eps : lower + eps;
                    insufficientProgress = false;
                }
                else insufficientProgress = true;
            }
            else insufficientProgress = false;

            (fNew, gNew) = objective(t);
            evaluations++;
            gtdNew = PyNumber.Of(gNew.Dot(d));
            lsIter++;

            if (!Armijo(fNew, t) || fNew >= bracket.F[low])
            {
                // Not lower than the low end: the trial point becomes the high end.
                bracket.Set(high, t, fNew, gNew.Clone(), gtdNew);
                (low, high) = bracket.F[0] <= bracket.F[1] ? (0, 1) : (1, 0);
            }
            else
            {
                if (Curvature(gtdNew)) done = true;
                else if (gtdNew * (bracket.T[high] - bracket.T[low]) >= 0.0)
                    bracket.Set(high, bracket.T[low], bracket.F[low], bracket.G[low], bracket.Gtd[low]); // the old low end becomes the high end
                bracket.Set(low, t, fNew, gNew.Clone(), gtdNew);
            }
        }
        return (bracket.F[low], bracket.G[low], bracket.T[low], evaluations);
    }

    /// <summary>One or two points of the line: step, loss, gradient and directional derivative at each.</summary>
    private sealed class Bracket
    {
        public readonly List<PyNumber> T = [];
        public readonly List<double> F = [];
        public readonly List<Tensor> G = [];
        public readonly List<PyNumber?> Gtd = [];

        public Bracket(PyNumber t0, double f0, Tensor g0, PyNumber? gtd0, PyNumber t1, double f1, Tensor g1, PyNumber? gtd1)
        {
            Add(t0, f0, g0, gtd0);
            Add(t1, f1, g1, gtd1);
        }

        private Bracket() { }

        public static Bracket Single(PyNumber t, double f, Tensor g)
        {
            var b = new Bracket();
            b.Add(t, f, g, null);
            return b;
        }

        private void Add(PyNumber t, double f, Tensor g, PyNumber? gtd)
        {
            T.Add(t);
            F.Add(f);
            G.Add(g);
            Gtd.Add(gtd);
        }

        public void Set(int i, PyNumber t, double f, Tensor g, PyNumber? gtd)
        {
            T[i] = t;
            F[i] = f;
            G[i] = g;
            Gtd[i] = gtd;
        }
    }
}
