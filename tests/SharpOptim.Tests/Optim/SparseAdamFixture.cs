using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// tools/golden/sparse_adam.py's problem: an embedding E (8×3) optimized by SparseAdam under a
/// fixed head H (2×3); step k looks up batch k (with repeated rows) and the loss is
/// mean((E[idx] Hᵀ − T[idx])²). Built from the float64 values stored in the fixture.
/// </summary>
internal sealed class SparseEmbeddingProblem
{
    private readonly JsonNode _problem;
    private readonly Tensor _head, _targets;

    public SparseEmbeddingProblem(JsonNode problem, DType dtype)
    {
        _problem = problem;
        Weight = Load("E", dtype).RequiresGrad_();
        _head = Load("H", dtype);
        _targets = Load("T", dtype);
    }

    private Tensor Load(string name, DType dtype)
        => Fixture.Tensor(_problem[name]!["data"], _problem[name]!["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray(), dtype);

    public Tensor Weight { get; }

    public Tensor Batch(int step) => Torch.Tensor(_problem["batches"]![step]!.AsArray().Select(x => x!.GetValue<long>()).ToArray());

    /// <summary>The loss of step <paramref name="step"/> with our own Embedding(sparse) and autograd.</summary>
    public Tensor Loss(int step)
    {
        var idx = Batch(step);
        var pred = Functional.Embedding(idx, Weight, sparse: true).Matmul(_head.T());
        return pred.Sub(_targets.IndexSelect(0, idx)).Square().Mean();
    }

    /// <summary>The sparse gradient PyTorch recorded for a step, uncoalesced as its Embedding produced it.</summary>
    public Tensor RecordedGrad(JsonNode step)
    {
        var grad = step["grad"]!;
        var indices = grad["indices"]!.AsArray().SelectMany(row => row!.AsArray().Select(x => x!.GetValue<long>())).ToArray();
        int nnz = indices.Length;
        var values = Fixture.Tensor(grad["values"], [nnz, Weight.Size(1)], Weight.DType);
        return Torch.SparseCooTensor(Torch.Tensor(indices, [1, nnz]), values, Weight.Shape);
    }
}

/// <summary>Reads the SparseAdam fixtures, builds our SparseAdam for a recorded case and checks steps against PyTorch's records.</summary>
internal static class SparseAdamFixture
{
    public const string Trajectories = "sparse_adam_trajectories.sofx";
    public const string StateDicts = "sparse_adam_state_dict.sofx";

    public static IEnumerable<string> CaseIds() => TrajectoryCheck.CaseIds(Trajectories);

    public static JsonObject Case(string id) => TrajectoryCheck.Case(Trajectories, id);

    public static SparseEmbeddingProblem Problem(JsonObject testCase)
        => new(Fixture.Load(Trajectories)["problem"]!, Fixture.DType(testCase["dtype"]!.GetValue<string>()));

    /// <summary>Our SparseAdam from a recorded case's kwargs on a path: "reference", "foreach", "fused" or "default".</summary>
    public static SparseAdam Create(Tensor weight, JsonObject testCase, string path)
    {
        var kwargs = testCase["kwargs"]!.AsObject();
        FloatOrTensor? lr = kwargs["lr"] is { } v
            ? TrajectoryCheck.TensorKwargs(testCase).Contains("lr") ? Torch.Tensor(Fixture.Number(v), DType.Float32) : Fixture.Number(v)
            : null;
        (double, double)? betas = kwargs["betas"] is JsonArray b ? (Fixture.Number(b[0]), Fixture.Number(b[1])) : null;
        return new SparseAdam([weight], lr: lr, betas: betas, eps: kwargs["eps"] is { } e ? Fixture.Number(e) : 1e-8,
            maximize: kwargs["maximize"]?.GetValue<bool>() ?? false,
            @foreach: path switch { "reference" => false, "foreach" => true, _ => null },
            fused: path == "fused" ? true : null);
    }

    /// <summary>Steps <paramref name="first"/>.. of a recorded trajectory on PyTorch's gradients, each checked.</summary>
    public static void Replay(SparseAdam optimizer, SparseEmbeddingProblem problem, JsonObject testCase, int first, int count, string where)
    {
        var steps = testCase["steps"]!.AsArray();
        for (int k = first; k < first + count; k++)
        {
            problem.Weight.Grad = problem.RecordedGrad(steps[k]!);
            optimizer.Step();
            AssertStep(optimizer, problem.Weight, steps[k]!, Tolerance.For(problem.Weight.DType), $"{where} step {k + 1}");
        }
    }

    /// <summary>The weight and its state (the step an int, the moments within tolerance) against one step record.</summary>
    public static void AssertStep(Optimizer optimizer, Tensor weight, JsonNode record, double tolerance, string where)
    {
        var dtype = weight.DType;
        Tolerance.AssertClose(weight, Fixture.Numbers(record["params"]![0]), dtype, $"{where}: weight", tolerance);
        var expected = record["state"]![0]!.AsObject();
        var state = optimizer.State[weight];
        Assert.Equal(expected.Select(kv => kv.Key), state.Keys);
        Assert.Equal(expected["step"]!.GetValue<int>(), Assert.IsType<int>(state["step"]));
        foreach (var key in new[] { "exp_avg", "exp_avg_sq" })
            TrajectoryCheck.AssertStateValue(state[key], expected[key]!, dtype, $"{where}: state {key}", tolerance);
    }
}
