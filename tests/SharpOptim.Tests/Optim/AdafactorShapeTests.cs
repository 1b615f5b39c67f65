using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Adafactor on params the test problem lacks (adafactor_shapes.sofx, tools/golden/adafactor.py):
/// a 3-D param, whose second moments are factored over its last two dims per leading index
/// (row_var (2,3,1), col_var (2,1,4)), and one-row / one-column matrices. A lone param is fed
/// PyTorch's seeded gradients for 20 steps; params and state must match on every path.
/// </summary>
public class AdafactorShapeTests
{
    private const string Shapes = "adafactor_shapes.sofx";

    public static IEnumerable<object[]> Cases()
        => from c in Fixture.Load(Shapes)["cases"]!.AsArray()
           from path in new[] { "reference", "foreach", "fused" }
           select new object[] { c!["id"]!.GetValue<string>(), path };

    public static IEnumerable<object[]> CaseIds()
        => Fixture.Load(Shapes)["cases"]!.AsArray().Select(c => new object[] { c!["id"]!.GetValue<string>() });

    private static JsonObject Case(string id) => Fixture.Load(Shapes)["cases"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!.AsObject();

    /// <summary>Runs the recorded steps on <paramref name="path"/>, checking each against PyTorch.</summary>
    private static (Adafactor, Tensor) Replay(JsonObject c, string path)
    {
        var dtype = Fixture.DType(c["dtype"]!.GetValue<string>());
        var shape = c["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
        var param = Fixture.Tensor(c["param0"], shape, dtype).RequiresGrad_();
        var optimizer = (Adafactor)AdafactorConformanceTests.Factory(path)([param], c["kwargs"]!.AsObject(), TrajectoryCheck.TensorKwargs(c));
        double tolerance = Tolerance.For(dtype);
        var steps = c["steps"]!.AsArray();
        for (int k = 0; k < steps.Count; k++)
        {
            var step = steps[k]!;
            param.Grad = Fixture.Tensor(step["grad"], shape, dtype);
            optimizer.Step();
            string where = $"{c["id"]} {path} step {k + 1}";
            Tolerance.AssertClose(param, Fixture.Numbers(step["param"]), dtype, $"{where}: param", tolerance);
            var state = optimizer.State[param];
            var expected = step["state"]!.AsObject();
            Assert.Equal(expected.Select(kv => kv.Key), state.Keys);
            foreach (var (key, value) in expected)
                TrajectoryCheck.AssertStateValue(state[key], value!, dtype, $"{where}: state {key}", tolerance);
        }
        return (optimizer, param);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string id, string path) => Replay(Case(id), path);

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void FactoredStateHasPyTorchsShapes(string id)
    {
        var c = Case(id);
        var (optimizer, param) = Replay(c, "default");
        var state = optimizer.State[param];
        var shape = param.Shape;
        var rowShape = (int[])shape.Clone();
        rowShape[^1] = 1;
        var colShape = (int[])shape.Clone();
        colShape[^2] = 1;
        Assert.Equal(rowShape, ((Tensor)state["row_var"]!).Shape);
        Assert.Equal(colShape, ((Tensor)state["col_var"]!).Shape);
        Assert.Equal(param.DType, ((Tensor)state["row_var"]!).DType);
        Assert.Equal(DType.Float32, ((Tensor)state["step"]!).DType);
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void ForeachKernelIsBitIdenticalToReference(string id)
    {
        var c = Case(id);
        var (reference, refParam) = Replay(c, "reference");
        var (kernel, kernelParam) = Replay(c, "foreach");
        Tolerance.AssertIdentical(kernelParam, refParam, $"{id} param");
        foreach (var (key, value) in reference.State[refParam])
            StateDictCheck.AssertIdenticalValue(kernel.State[kernelParam][key], value, $"{id} state {key}");
    }
}
