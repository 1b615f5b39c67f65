using System.Globalization;
using System.Text.Json;
using Xunit;

namespace SharpOptim.Tests.NN;

/// <summary>
/// Reads <c>Fixtures/nn_reference.json</c>, recorded from PyTorch by <c>tools/golden/nn.py</c>
/// (format: tools/golden/README.md). Numbers are exact reprs of doubles; a float32 value is
/// the double holding it; non-finite values are the strings "nan", "inf", "-inf".
/// </summary>
internal static class NNReference
{
    private static readonly Lazy<JsonElement> Document = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "nn_reference.json");
        using var stream = File.OpenRead(path);
        return JsonDocument.Parse(stream).RootElement.Clone();
    });

    public static JsonElement Root => Document.Value;

    public static JsonElement Section(string name) => Root.GetProperty(name);

    /// <summary>The ids of a section's recorded cases, for a theory's MemberData.</summary>
    public static TheoryData<string> CaseIds(string section)
    {
        var data = new TheoryData<string>();
        foreach (var c in Section(section).GetProperty("cases").EnumerateArray()) data.Add(c.GetProperty("id").GetString()!);
        return data;
    }

    /// <summary>One recorded case of a section, by id.</summary>
    public static JsonElement Case(string section, string id)
        => Section(section).GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);

    public static double Number(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String => e.GetString() switch
        {
            "nan" => double.NaN,
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            var s => double.Parse(s!, CultureInfo.InvariantCulture),
        },
        _ => throw new InvalidOperationException($"not a number: {e}"),
    };

    public static double[] Numbers(JsonElement array) => array.EnumerateArray().Select(Number).ToArray();

    public static int[] Shape(JsonElement shaped) => shaped.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>A {"shape", "data"} tensor as a float64 tensor, cast to <paramref name="dtype"/> (round to nearest, as PyTorch's .to()).</summary>
    public static Tensor Tensor(JsonElement shaped, DType dtype = DType.Float64)
    {
        var t = Torch.Tensor(Numbers(shaped.GetProperty("data")), Shape(shaped));
        return dtype == DType.Float64 ? t : t.To(dtype);
    }

    /// <summary>A {"shape", "data"} integer tensor as int64.</summary>
    public static Tensor LongTensor(JsonElement shaped)
        => Torch.Tensor(shaped.GetProperty("data").EnumerateArray().Select(e => e.GetInt64()).ToArray(), Shape(shaped));

    public static DType DTypeOf(string name) => name switch
    {
        "float32" => DType.Float32,
        "float64" => DType.Float64,
        _ => throw new ArgumentException(name),
    };

    public static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    /// <summary>The recorded error case named <paramref name="name"/>.</summary>
    public static JsonElement Error(string name)
        => Section("errors").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    /// <summary>
    /// The message PyTorch raised, as the exception's argument: for a KeyError Python's str()
    /// is the repr of the argument, so its quotes and escapes are undone.
    /// </summary>
    public static string ErrorMessage(string name)
    {
        var e = Error(name);
        Assert.Equal("error", e.GetProperty("kind").GetString());
        var message = e.GetProperty("message").GetString()!;
        if (e.GetProperty("type").GetString() == "KeyError" && message.Length >= 2 && (message[0] is '\'' or '"'))
            message = message[1..^1].Replace("\\'", "'").Replace("\\\"", "\"");
        return message;
    }

    /// <summary>
    /// Asserts element-wise closeness: float64 results to 1e-10 relative (our sums and products
    /// run in a different order than PyTorch's kernels), float32 to a few ulps.
    /// </summary>
    public static void AssertClose(JsonElement expectedShaped, Tensor actual, string what, double? rtol = null, double? atol = null)
    {
        var expected = Numbers(expectedShaped.GetProperty("data"));
        Assert.True(Shape(expectedShaped).SequenceEqual(actual.Shape), $"{what}: shape {ShapeText(actual.Shape)} != expected {ShapeText(Shape(expectedShaped))}");
        AssertClose(expected, actual.ToDoubleArray(), actual.DType, what, rtol, atol);
    }

    public static void AssertClose(double[] expected, double[] actual, DType dtype, string what, double? rtol = null, double? atol = null)
    {
        double r = rtol ?? (dtype == DType.Float32 ? 2e-6 : 1e-10);
        double a = atol ?? (dtype == DType.Float32 ? 2e-6 : 1e-12);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i])) { Assert.True(double.IsNaN(actual[i]), $"{what}[{i}]: expected nan, got {actual[i]:R}"); continue; }
            bool ok = Math.Abs(actual[i] - expected[i]) <= a + r * Math.Abs(expected[i]);
            Assert.True(ok, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (diff {Math.Abs(actual[i] - expected[i]):R})");
        }
    }

    private static string ShapeText(int[] s) => "[" + string.Join(", ", s) + "]";
}
