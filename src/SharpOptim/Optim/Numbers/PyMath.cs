namespace SharpOptim.Optim;

/// <summary>
/// Python's arithmetic where it differs from C#'s: division and modulo by zero, and zero raised
/// to a negative power, raise (Python's ZeroDivisionError, here <see cref="DivideByZeroException"/>
/// with Python's message) instead of giving infinity or NaN, <c>//</c> floors, <c>%</c> takes the
/// divisor's sign, <c>max</c> keeps its first argument against a NaN, and <c>bisect_right</c>.
/// The schedulers use these wherever PyTorch's formula divides by (or raises to) a value the user
/// chose, so a degenerate configuration fails where PyTorch fails.
/// </summary>
internal static class PyMath
{
    private const string DivisionByZero = "division by zero";

    public static double Div(double a, double b) => b == 0 ? throw new DivideByZeroException(DivisionByZero) : a / b;

    /// <summary>Python's float <c>x ** y</c> where the result is real: zero to a negative power raises.</summary>
    public static double Pow(double x, double y)
        => x == 0 && y < 0 ? throw new DivideByZeroException("zero to a negative power") : Math.Pow(x, y);

    public static int FloorDiv(int a, int b)
    {
        if (b == 0) throw new DivideByZeroException(DivisionByZero);
        int q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }

    public static int Mod(int a, int b)
    {
        if (b == 0) throw new DivideByZeroException(DivisionByZero);
        int r = a % b;
        return r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }

    public static double Mod(double a, double b)
    {
        if (b == 0) throw new DivideByZeroException(DivisionByZero);
        double r = a % b; // C#'s % is C's fmod: the sign of a
        return r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }

    /// <summary>
    /// Python's <c>max(first, second)</c>: <paramref name="second"/> only if it compares greater, so
    /// ties and a NaN second give <paramref name="first"/> (<see cref="Math.Max(double, double)"/> gives NaN).
    /// </summary>
    public static double Max(double first, double second) => second > first ? second : first;

    /// <summary>The index where <paramref name="x"/> would be inserted after any equal entries of the sorted list.</summary>
    public static int BisectRight(IReadOnlyList<int> sorted, int x)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (x < sorted[mid]) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }
}
