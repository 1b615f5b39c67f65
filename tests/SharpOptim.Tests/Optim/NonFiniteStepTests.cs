using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Steps fed non-finite or overflowing gradients (nonfinite.sofx, tools/golden/nonfinite.py),
/// each of our paths against PyTorch's for-loop and foreach runs: Adafactor with a NaN or
/// infinite gradient element (Python's <c>max</c> keeps alpha and the clipping denominator
/// finite, so a full-variance param, or the other matrix of a batched factored one, keeps its
/// other elements; a single factored matrix goes NaN in PyTorch too, through its row_var mean),
/// Rprop with NaN gradients and an infinity on the first step (PyTorch's sign of NaN is 0), and
/// centered RMSprop with float64 gradients near 1e200 (<c>square_avg − grad_avg²</c> rounded once
/// stays inf instead of inf − inf = NaN). Every non-finite element must be where PyTorch has it
/// (NaN for NaN, the same infinity); the finite ones are held to the conformance tolerances.
/// </summary>
public class NonFiniteStepTests
{
    private const string FixtureName = "nonfinite.sofx";

    public static IEnumerable<object[]> Cases()
        => from c in Fixture.Load(FixtureName)["cases"]!.AsArray()
           from path in new[] { "reference", "foreach", "default" }
           select new object[] { c!["id"]!.GetValue<string>(), path };

    public static IEnumerable<object[]> ForloopCases()
        => Fixture.Load(FixtureName)["cases"]!.AsArray().Where(c => c!["impl"]!.GetValue<string>() == "forloop")
               .Select(c => new object[] { c!["id"]!.GetValue<string>() });

    [Theory]
    [MemberData(nameof(Cases))]
    public void StepsAsPyTorch(string id, string path)
    {
        var c = Case(id);
        var dtype = Fixture.DType(c["dtype"]!.GetValue<string>());
        // Adafactor's float32 norms sum in another order than PyTorch's vectorised reductions (see AdafactorConformanceTests).
        double tolerance = dtype == DType.Float32 && c["optimizer"]!.GetValue<string>() == "Adafactor" ? 1e-4 : Tolerance.For(dtype);
        var (optimizer, p) = Build(c, path);
        int k = 0;
        foreach (var step in c["steps"]!.AsArray())
        {
            string where = $"{id} on our {path} path, step {k++}";
            p.Grad = Fixture.Tensor(step!["grad"], p.Shape, dtype);
            optimizer.Step();
            AssertMatches(p, step["param"], tolerance, $"{where}: param");
            var state = optimizer.State[p];
            foreach (var (key, expected) in step["state"]!.AsObject())
            {
                if (key == "step") Assert.Equal(Fixture.Number(expected), ((Tensor)state[key]!).Item());
                else AssertMatches((Tensor)state[key]!, expected, tolerance, $"{where}: {key}");
            }
        }
    }

    /// <summary>The reference and foreach paths stay identical through NaN and infinity (NaN taken as equal to NaN).</summary>
    [Theory]
    [MemberData(nameof(ForloopCases))]
    public void ForeachEqualsReference(string id)
    {
        var c = Case(id);
        var dtype = Fixture.DType(c["dtype"]!.GetValue<string>());
        var (reference, r) = Build(c, "reference");
        var (forEach, f) = Build(c, "foreach");
        foreach (var step in c["steps"]!.AsArray())
        {
            r.Grad = Fixture.Tensor(step!["grad"], r.Shape, dtype);
            f.Grad = r.Grad.Clone();
            reference.Step();
            forEach.Step();
            Assert.Equal(r.ToDoubleArray(), f.ToDoubleArray());
            foreach (var (key, value) in reference.State[r])
                if (value is Tensor t) Assert.Equal(t.ToDoubleArray(), ((Tensor)forEach.State[f][key]!).ToDoubleArray());
        }
    }

    private static JsonObject Case(string id)
        => Fixture.Load(FixtureName)["cases"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!.AsObject();

    /// <summary>Our optimizer of the case on a path, over a fresh copy of the case's starting param.</summary>
    private static (Optimizer Optimizer, Tensor Param) Build(JsonObject c, string path)
    {
        var dtype = Fixture.DType(c["dtype"]!.GetValue<string>());
        var start = c["param0"]!;
        var p = Fixture.Tensor(start["data"], start["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray(), dtype).RequiresGrad_();
        var kwargs = c["kwargs"]!.AsObject();
        Assert.Subset(new HashSet<string> { "lr", "weight_decay", "maximize", "centered", "momentum" }, kwargs.Select(kv => kv.Key).ToHashSet());
        var k = new RecordedKwargs(kwargs, new HashSet<string>());
        bool? forEach = RecordedKwargs.ForeachFor(path);
        Optimizer optimizer = c["optimizer"]!.GetValue<string>() switch
        {
            "Adafactor" => new Adafactor([p], lr: k.Lr(1e-2), weightDecay: k.Number("weight_decay", 0), maximize: k.Flag("maximize"), @foreach: forEach),
            "Rprop" => new Rprop([p], lr: k.Lr(1e-2), maximize: k.Flag("maximize"), @foreach: forEach),
            "RMSprop" => new RMSprop([p], lr: k.Lr(1e-2), momentum: k.Number("momentum", 0), centered: k.Flag("centered"), @foreach: forEach),
            var other => throw new InvalidDataException($"no factory for {other}"),
        };
        return (optimizer, p);
    }

    /// <summary>NaN where PyTorch has NaN, the same infinities, and the finite elements within <paramref name="tolerance"/>.</summary>
    private static void AssertMatches(Tensor actual, JsonNode? expected, double tolerance, string what)
    {
        var e = Fixture.Numbers(expected);
        var a = actual.ToDoubleArray();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
            if (!double.IsFinite(e[i]) || !double.IsFinite(a[i]))
                Assert.True(e[i].Equals(a[i]), $"{what}: element {i} is {a[i]}, PyTorch's {e[i]}");
        var finite = Enumerable.Range(0, e.Length).Where(i => double.IsFinite(e[i])).ToArray();
        double error = Tolerance.RelativeError(finite.Select(i => a[i]).ToArray(), finite.Select(i => e[i]).ToArray());
        Assert.True(error <= tolerance, $"{what}: relative error {error:E3} exceeds {tolerance:E0}");
    }
}
