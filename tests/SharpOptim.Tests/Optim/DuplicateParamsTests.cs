using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// A parameter listed twice in one group. PyTorch warns (optimizer_errors.json)
/// and its default for-loop updates the parameter twice in sequence; every path here does the
/// same, deterministically, where one kernel dispatch used to run both copies at once and race.
/// The algorithms and their configurations are <see cref="KernelAllocationTests"/>' (every
/// kernel path), plus SparseAdam.
/// </summary>
public class DuplicateParamsTests
{
    private const string FixtureName = "duplicate_params.sofx";

    /// <summary>Each kernel path, and the for-loop (<c>foreach: false</c>) it must now equal.</summary>
    private static readonly ImplementationChoice[] Paths = [.. KernelAllocationTests.KernelChoices, ImplementationChoice.Reference];

    /// <summary>The paths a recorded algorithm has: a configuration of <see cref="KernelAllocationTests"/>, or a registered algorithm (SparseAdam).</summary>
    private static IEnumerable<ImplementationChoice> PathsOf(string algorithm) => Paths.Where(Info(algorithm).Supports);

    private static OptimizerInfo Info(string algorithm)
        => KernelAllocationTests.Factories.TryGetValue(algorithm, out var configuration) ? configuration.Info : OptimizerRegistry.Get(algorithm);

    private static Optimizer Build(string algorithm, ImplementationChoice path, Tensor[] ps)
        => KernelAllocationTests.Factories.ContainsKey(algorithm)
            ? KernelAllocationTests.Create(algorithm, ps, path)
            : OptimizerRegistry.Get(algorithm).Create(ps, path);

    public static TheoryData<string, ImplementationChoice, string> FixtureCases()
    {
        var data = new TheoryData<string, ImplementationChoice, string>();
        foreach (var testCase in Fixture.Load(FixtureName)["cases"]!.AsArray())
        {
            string algorithm = testCase!["algorithm"]!.GetValue<string>();
            foreach (var path in PathsOf(algorithm)) data.Add(algorithm, path, testCase["dtype"]!.GetValue<string>());
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void StepsAsPyTorchsForLoop(string algorithm, ImplementationChoice path, string dtypeName)
    {
        var fixture = Fixture.Load(FixtureName);
        var testCase = fixture["cases"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == $"{algorithm}/{dtypeName}")!;
        var dtype = Fixture.DType(dtypeName);
        var shapes = testCase["initial"]!["shapes"]!.AsArray().Select(s => s!.AsArray().Select(d => d!.GetValue<int>()).ToArray()).ToArray();
        var initial = testCase["initial"]!["params"]!.AsArray();
        var distinct = shapes.Select((shape, i) => Fixture.Tensor(initial[i], shape, dtype).RequiresGrad_()).ToArray();
        var order = fixture["order"]!.AsArray().Select(i => i!.GetValue<int>());
        var optimizer = Build(algorithm, path, order.Select(i => distinct[i]).ToArray());

        var steps = testCase["steps"]!.AsArray();
        for (int k = 0; k < steps.Count; k++)
        {
            var record = steps[k]!;
            for (int i = 0; i < distinct.Length; i++) distinct[i].Grad = Grad(record["grads"]![i]!, shapes[i], dtype);
            optimizer.Step();
            for (int i = 0; i < distinct.Length; i++)
            {
                string where = $"{algorithm} ({path}, {dtypeName}) step {k + 1}, param {i}";
                Tolerance.AssertClose(distinct[i], Fixture.Numbers(record["params"]![i]), dtype, where);
                var expected = record["state"]![i]!.AsObject();
                var actual = optimizer.State[distinct[i]];
                Assert.Equal(expected.Select(kv => kv.Key), actual.Keys);
                foreach (var (key, value) in expected) TrajectoryCheck.AssertStateValue(actual[key], value!, dtype, $"{where}: state {key}");
            }
        }
    }

    /// <summary>A dense gradient (a flat list), or SparseAdam's sparse one.</summary>
    private static Tensor Grad(JsonNode node, int[] shape, DType dtype)
    {
        if (Fixture.IsNumbers(node)) return Fixture.Tensor(node, shape, dtype);
        var rows = node["indices"]![0]!.AsArray().Select(r => r!.GetValue<long>()).ToArray();
        var values = Fixture.Tensor(node["values"], [rows.Length, shape[1]], dtype);
        return Torch.SparseCooTensor(Torch.Tensor(rows, [1, rows.Length]), values, shape);
    }

    /// <summary>
    /// Whether a group lists a parameter twice is decided when the group is built, so its list
    /// must not change afterwards: its <c>"params"</c> entry is a read-only view.
    /// </summary>
    [Fact]
    public void AGroupsParamsCannotChangeAfterItIsBuilt()
    {
        var p = Torch.Zeros(2).RequiresGrad_();
        var group = new ParamGroup([p]);
        var entry = Assert.IsAssignableFrom<IList<Tensor>>(group["params"]);
        Assert.Throws<NotSupportedException>(() => entry.Add(p));
        Assert.Equal([p], group.Params);
    }

    public static TheoryData<string, ImplementationChoice> KernelCases() => KernelAllocationTests.Cases();

    /// <summary>
    /// A parameter large enough for the kernel workers (the group is far above the inline limit),
    /// listed twice: repeated runs give the same bits, and the same bits as the for-loop.
    /// </summary>
    [Theory]
    [MemberData(nameof(KernelCases))]
    public void ALargeDuplicatedParameterStepsDeterministically(string algorithm, ImplementationChoice path)
    {
        var first = Run(algorithm, path);
        var again = Run(algorithm, path);
        var forLoop = ForLoopRuns.GetOrAdd(algorithm, a => new Lazy<List<(string, Tensor)>>(() => Run(a, ImplementationChoice.Reference))).Value;
        for (int i = 0; i < first.Count; i++)
        {
            Tolerance.AssertIdentical(again[i].Value, first[i].Value, $"{algorithm} ({path}) run 2 vs run 1: {first[i].Name}");
            Tolerance.AssertIdentical(first[i].Value, forLoop[i].Item2, $"{algorithm} ({path}) vs the for-loop: {first[i].Name}");
        }
    }

    /// <summary>Each algorithm's for-loop run, made once for all its paths.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<List<(string, Tensor)>>> ForLoopRuns = new();

    /// <summary>
    /// Two steps over [p, q, p] with p 2048×33 (67,584 elements; long and thin, so that Muon's
    /// Newton–Schulz products stay cheap); p, q and p's state after them.
    /// </summary>
    private static List<(string Name, Tensor Value)> Run(string algorithm, ImplementationChoice path)
    {
        var generator = new Generator(11);
        Tensor Draw(int[] shape) => Torch.Randn(shape, generator: generator);
        int[] large = [2048, 33], small = [3, 2];
        Tensor p = Draw(large).RequiresGrad_(), q = Draw(small).RequiresGrad_();
        var optimizer = Build(algorithm, path, [p, q, p]);
        for (int k = 0; k < 2; k++)
        {
            (p.Grad, q.Grad) = (Draw(large), Draw(small));
            optimizer.Step();
        }
        var result = new List<(string, Tensor)> { ("p", p), ("q", q) };
        foreach (var (key, value) in optimizer.State[p])
            if (value is Tensor t) result.Add(($"p's {key}", t));
        return result;
    }
}
