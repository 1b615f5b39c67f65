using SharpOptim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// The conformance tolerances (README.md, "How conformance with PyTorch is checked"): relative
/// error ≤ 1e-10 in float64 and ≤ 1e-5 in float32. An element's error is taken relative to its
/// expected magnitude, floored at 1e-3 of the tensor's largest magnitude so that elements passing
/// through zero are not judged on noise.
/// </summary>
internal static class Tolerance
{
    public static double For(DType dtype) => dtype == DType.Float64 ? 1e-10 : 1e-5;

    public static double RelativeError(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0;
        foreach (var e in expected) scale = Math.Max(scale, Math.Abs(e));
        double floor = Math.Max(scale * 1e-3, 1e-30);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i]) && double.IsNaN(actual[i])) continue;
            if (expected[i] == actual[i]) continue;
            double err = Math.Abs(actual[i] - expected[i]) / Math.Max(Math.Abs(expected[i]), floor);
            if (double.IsNaN(err)) err = double.PositiveInfinity;
            worst = Math.Max(worst, err);
        }
        return worst;
    }

    public static void AssertClose(Tensor actual, double[] expected, DType dtype, string what, double? tolerance = null)
    {
        double limit = tolerance ?? For(dtype);
        double err = RelativeError(actual.ToDoubleArray(), expected);
        ErrorLog.Record(what, err);
        Assert.True(err <= limit, $"{what}: relative error {err:E3} exceeds {limit:E0}");
    }

    public static void AssertIdentical(Tensor actual, Tensor expected, string what)
    {
        var a = actual.ToDoubleArray();
        var e = expected.ToDoubleArray();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            if (BitConverter.DoubleToInt64Bits(a[i]) != BitConverter.DoubleToInt64Bits(e[i]))
                Assert.Fail($"{what}: element {i} differs ({a[i]:R} vs {e[i]:R})"); // message built only on failure: large tensors stay quick
    }
}
