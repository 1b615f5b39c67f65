namespace SharpOptim.Optim;

/// <summary>
/// Constructor checks in the wording of PyTorch's newer optimizers (Adafactor, Muon):
/// <c>"{what} should be &gt;= {bound} but is: {value}"</c>. Values print as Python prints a float
/// (<c>0.0</c>, <c>-1e-30</c>, <c>nan</c>), since these parameters are floats on both sides.
/// A NaN fails every check, as <c>not bound &lt;= value</c> does in Python.
/// </summary>
internal static class BoundChecks
{
    /// <summary><c>bound &lt;= value</c>, else ArgumentOutOfRangeException with PyTorch's message.</summary>
    public static void AtLeast(double value, double bound, string what, string paramName)
    {
        if (!(bound <= value))
            throw new ArgumentOutOfRangeException(paramName, value, $"{what} should be >= {PyRepr.Number(bound)} but is: {PyRepr.Float(value)}");
    }

    /// <summary><c>value &lt;= bound</c>, else ArgumentOutOfRangeException with PyTorch's message.</summary>
    public static void AtMost(double value, double bound, string what, string paramName)
    {
        if (!(value <= bound))
            throw new ArgumentOutOfRangeException(paramName, value, $"{what} should be <= {PyRepr.Number(bound)} but is: {PyRepr.Float(value)}");
    }
}
