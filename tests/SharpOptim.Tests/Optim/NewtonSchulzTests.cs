using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Muon's bfloat16 Newton–Schulz iteration alone against PyTorch's <c>_zeropower_via_newtonschulz</c>
/// (muon_newton_schulz.sofx, tools/golden/muon.py): 12 shapes × 3 coefficient/step/eps settings
/// × 3 input scales, a zero matrix and a float64 input.
/// </summary>
public class NewtonSchulzTests
{
    private const string Recorded = "muon_newton_schulz.sofx";

    private static IEnumerable<JsonNode> Cases() => Fixture.Load(Recorded)["cases"]!.AsArray().Select(c => c!);

    private static (float[] Ours, double[] Torch, int[] Shape) Run(JsonNode c)
    {
        var shape = c["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
        var dtype = c["input_dtype"]?.GetValue<string>() == "float64" ? DType.Float64 : DType.Float32;
        var input = Fixture.Tensor(c["input"], shape, dtype);
        var k = Fixture.Numbers(c["ns_coefficients"]);
        var ours = NewtonSchulz.Orthogonalize(input, (k[0], k[1], k[2]), c["ns_steps"]!.GetValue<int>(), Fixture.Number(c["eps"]));
        return (ours.ToArray<float>(), Fixture.Numbers(c["output"]), shape);
    }

    /// <summary>
    /// Every recorded case comes out bit for bit, 2×2 to 16×12. (The emulation is not exact for
    /// every matrix: with a Python model of this arithmetic on 1500 random matrices per shape,
    /// 0.1–0.3% of those of 9×6, 12×16, 16×12, 6×31 and 8×40 had an element one bfloat16 step
    /// from PyTorch's, where PyTorch's summation order differs; none of 3×4, 4×3 or 7×5 did. See
    /// <see cref="NewtonSchulz"/>.)
    /// </summary>
    [Fact]
    public void MatchesPyTorchBitForBit()
    {
        int count = 0;
        foreach (var c in Cases())
        {
            var (ours, torch, shape) = Run(c);
            for (int i = 0; i < ours.Length; i++)
                Assert.True(ours[i] == torch[i], $"shape [{string.Join(",", shape)}] element {i}: {ours[i]:R} vs PyTorch {torch[i]:R}");
            count++;
        }
        Assert.Equal(110, count);
    }

    [Fact]
    public void SettingsAreCheckedAsPyTorchChecksThem()
    {
        Assert.Equal("Number of steps must be less than 100 for computational efficiency",
            Assert.Throws<ArgumentException>(() => NewtonSchulz.Validate(100, 3)).Message);
        Assert.Equal("Coefficients must be a tuple of exactly 3 values", Assert.Throws<ArgumentException>(() => NewtonSchulz.Validate(5, 2)).Message);
        Assert.Equal("Input tensor gradient must be a 2D matrix",
            Assert.Throws<ArgumentException>(() => NewtonSchulz.Orthogonalize(Torch.Zeros(3), (1, 1, 1), 1, 1e-7)).Message);
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to the even significand, 1.
        Assert.Equal(1f, BFloat16Rounding.Round(1f + MathF.Pow(2, -8)));
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to 1 + 2^-6.
        Assert.Equal(1f + MathF.Pow(2, -6), BFloat16Rounding.Round(1f + 3 * MathF.Pow(2, -8)));
        Assert.Equal(1f + MathF.Pow(2, -7), BFloat16Rounding.Round(1f + MathF.Pow(2, -8) + MathF.Pow(2, -20)));
        Assert.Equal(-2f, BFloat16Rounding.Round(-2.001f));
        Assert.True(float.IsNaN(BFloat16Rounding.Round(float.NaN)));
        Assert.Equal(float.PositiveInfinity, BFloat16Rounding.Round(float.PositiveInfinity));
        // float64 goes through float32: just below a midpoint, float32 rounds up onto it and the tie goes to even.
        double belowMidpoint = 1 + Math.Pow(2, -7) + Math.Pow(2, -8) - Math.Pow(2, -40);
        Assert.Equal(1f + MathF.Pow(2, -6), BFloat16Rounding.Round(belowMidpoint));
    }
    /// <summary>Random bfloat16 values (as floats), some negative, some large, some tiny.</summary>
    private static float[] RandomBFloat16(int count, int seed)
        => Torch.Randn([count], DType.Float32, new Generator(seed)).ToArray<float>().Select((v, i) => BFloat16Rounding.Round(v * MathF.Pow(2, i % 7 - 3))).ToArray();

    /// <summary>
    /// The vectorised product (panels of columns, two rows at a time, the parallel dispatch from
    /// 2^20 multiply-adds on) gives the scalar form's bits on shapes with vector tails, odd inner
    /// sizes and parallel panels, for both operand layouts and with and without an input term; a
    /// symmetric product computed as its upper triangle equals the full product.
    /// </summary>
    [Theory]
    [InlineData(3, 5, 7)]
    [InlineData(19, 37, 45)]
    [InlineData(16, 64, 16)]
    [InlineData(64, 301, 72)]
    public void VectorisedProductEqualsTheScalarFormBitForBit(int n, int k, int m)
    {
        var a = RandomBFloat16(n * k, 1);
        var product = new BFloat16Product();
        float[] Run(float[] b, bool transposeB, int cols, float alpha, float beta, float[] input, bool symmetric, bool vectorize)
        {
            var result = new float[n * cols];
            product.Run(a, b, transposeB, n, k, cols, alpha, beta, input, result, new float[k * cols], symmetric, vectorize);
            return result;
        }
        var b = RandomBFloat16(k * m, 2);
        var input = RandomBFloat16(n * m, 3);
        foreach (bool transposeB in new[] { false, true })
            foreach (var (alpha, beta) in new[] { (1f, 0f), (-4.775f, 3.4445f) })
                Assert.Equal(Run(b, transposeB, m, alpha, beta, input, false, vectorize: false),
                             Run(b, transposeB, m, alpha, beta, input, false, vectorize: true));

        // A·Aᵀ is symmetric (A read transposed as the right operand), and so is the input term.
        var square = RandomBFloat16(n * n, 4);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++) square[i * n + j] = square[j * n + i];
        var full = Run(a, true, n, 2.0315f, -4.775f, square, false, vectorize: false);
        Assert.Equal(full, Run(a, true, n, 2.0315f, -4.775f, square, true, vectorize: true));
        Assert.Equal(full, Run(a, true, n, 2.0315f, -4.775f, square, true, vectorize: false));
    }

    /// <summary>A workspace used for one matrix after another (tall and wide shapes) gives what fresh buffers give.</summary>
    [Theory]
    [InlineData(40, 24)]
    [InlineData(24, 40)]
    public void WorkspaceReuseCarriesNothingOver(int rows, int cols)
    {
        var inputs = Enumerable.Range(0, 3).Select(seed => RandomBFloat16(rows * cols, 10 + seed)).ToArray();
        var coefficients = (3.4445, -4.775, 2.0315);
        float[] Fresh(float[] input) => NewtonSchulz.Orthogonalize(Torch.Tensor(input, [rows, cols]), coefficients, 5, 1e-7).ToArray<float>();
        var workspace = new NewtonSchulzWorkspace(rows, cols);
        foreach (var input in inputs.Concat(inputs))
        {
            input.CopyTo(workspace.Input, 0);
            Assert.Equal(Fresh(input), NewtonSchulz.Orthogonalize(workspace, coefficients, 5, 1e-7));
        }
    }
}
