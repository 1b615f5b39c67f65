using System.Globalization;
using System.Text;

namespace SharpOptim.Tests;

/// <summary>
/// Finite-difference gradient checker (float64). It compares the whole Jacobian of a function
/// with respect to each listed tensor: the analytic one from one backward pass per output
/// element (with a one-hot output gradient), the numeric one from central differences
/// <c>(f(x + eps) - f(x - eps)) / 2eps</c> per input element.
/// </summary>
/// <remarks>
/// The function is re-run for every perturbed element, so it must read the tensors' current
/// values each time (a closure over them) and be deterministic. Parameters of modules can be
/// listed like inputs: they are perturbed in place through their storage. A sparse gradient is
/// densified. An input the output does not depend on may have a null gradient (read as zeros).
/// </remarks>
public static class GradCheck
{
    public const double DefaultEps = 1e-6;
    public const double DefaultAtol = 1e-6;
    public const double DefaultRtol = 1e-6;

    /// <summary>Asserts that the analytic Jacobian of <paramref name="f"/> matches the numeric one for every tensor in <paramref name="wrt"/>.</summary>
    public static void Check(Func<Tensor> f, params Tensor[] wrt) => Check(f, wrt, DefaultEps, DefaultAtol, DefaultRtol);

    public static void Check(Func<Tensor> f, Tensor[] wrt, double eps, double atol, double rtol)
    {
        if (wrt.Length == 0) throw new ArgumentException("nothing to check");
        foreach (var t in wrt)
        {
            if (t.DType != DType.Float64) throw new ArgumentException($"gradcheck needs float64 tensors, got {t.DType.TorchName()}");
            if (!t.IsLeaf || !t.RequiresGrad) throw new ArgumentException("gradcheck inputs must be leaves that require grad");
        }
        var before = wrt.Select(t => t.ToDoubleArray()).ToArray();

        var output = f();
        if (output.DType != DType.Float64) throw new ArgumentException($"gradcheck needs a float64 output, got {output.DType.TorchName()}");
        if (!output.RequiresGrad) throw new ArgumentException("the output does not require grad: nothing was recorded");
        int nOut = output.Numel;

        // analytic[k][o, i] = d out[o] / d wrt[k][i]
        var analytic = wrt.Select(t => new double[nOut, t.Numel]).ToArray();
        for (int o = 0; o < nOut; o++)
        {
            foreach (var t in wrt) t.Grad = null;
            var oneHot = Torch.Zeros(output.Shape, DType.Float64);
            oneHot.AsSpan<double>()[o] = 1;
            output.Backward(oneHot, retainGraph: true); // one backward per output element through the same graph, as PyTorch's gradcheck
            for (int k = 0; k < wrt.Length; k++)
            {
                if (wrt[k].Grad is not { } g) continue;
                var gd = (g.IsSparse ? g.ToDense() : g).ToDoubleArray();
                for (int i = 0; i < gd.Length; i++) analytic[k][o, i] = gd[i];
            }
        }
        foreach (var t in wrt) t.Grad = null;

        var report = new StringBuilder();
        int failures = 0;
        for (int k = 0; k < wrt.Length; k++)
        {
            var data = wrt[k].AsSpan<double>();
            for (int i = 0; i < wrt[k].Numel; i++)
            {
                double orig = data[i];
                data[i] = orig + eps;
                var plus = Evaluate(f);
                data = wrt[k].AsSpan<double>();
                data[i] = orig - eps;
                var minus = Evaluate(f);
                data = wrt[k].AsSpan<double>();
                data[i] = orig;
                for (int o = 0; o < nOut; o++)
                {
                    double numeric = (plus[o] - minus[o]) / (2 * eps);
                    double a = analytic[k][o, i];
                    if (!(Math.Abs(a - numeric) <= atol + rtol * Math.Abs(numeric)))
                    {
                        if (failures++ < 20)
                            report.AppendLine(CultureInfo.InvariantCulture, $"  wrt[{k}] element {i}, output {o}: analytic {a:R}, numeric {numeric:R}");
                    }
                }
            }
        }
        for (int k = 0; k < wrt.Length; k++)
            if (!wrt[k].ToDoubleArray().SequenceEqual(before[k]))
                throw new InvalidOperationException($"gradcheck: the function modified wrt[{k}]");
        if (failures > 0)
            throw new Xunit.Sdk.XunitException($"gradcheck failed for {failures} Jacobian entries:\n{report}");
    }

    private static double[] Evaluate(Func<Tensor> f)
    {
        using (Torch.NoGrad()) return f().ToDoubleArray();
    }

    /// <summary>A float64 leaf requiring grad with values from a seeded normal stream (shape as given).</summary>
    public static Tensor Input(int seed, params int[] shape)
        => Torch.Randn(shape, DType.Float64, new Generator(seed)).RequiresGrad_();

    /// <summary>A float64 leaf requiring grad with the given values (1-D unless a shape is given).</summary>
    public static Tensor Input(double[] values, params int[] shape)
        => Torch.Tensor(values, shape.Length == 0 ? null : shape, requiresGrad: true);

    /// <summary>A float64 0-d leaf requiring grad.</summary>
    public static Tensor Scalar(double value) => Torch.Scalar(value, DType.Float64, requiresGrad: true);
}
