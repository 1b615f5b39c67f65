using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>Builds the optimizer under test for a shared recorded case (the options the shared cases vary).</summary>
public delegate Optimizer SharedCaseFactory(OptimizerParams parameters, FloatOrTensor? lr = null, double weightDecay = 0,
                                            bool? @foreach = null, bool maximize = false, bool differentiable = false);

/// <summary>
/// The C# reproductions of the cases <c>recorder.shared_error_cases</c> records for every
/// algorithm (named <c>&lt;prefix&gt;_...</c>): lr and weight_decay checks, repr, and the step-time
/// refusals of sparse gradients and of foreach with differentiable.
/// </summary>
internal static class SharedRecordedCases
{
    public static Dictionary<string, Action> For(string prefix, SharedCaseFactory build)
    {
        var p = new Parameter(Torch.Randn([1, 1], generator: new Generator(1)));
        return new()
        {
            [$"{prefix}_negative_lr"] = () => build([p], lr: -0.1),
            [$"{prefix}_nan_lr"] = () => build([p], lr: double.NaN),
            [$"{prefix}_negative_tensor_lr"] = () => build([p], lr: Torch.Tensor(-0.1)),
            [$"{prefix}_tensor_lr_not_1_element"] = () => build([p], lr: Torch.Tensor([0.001f, 0.001f])),
            [$"{prefix}_negative_weight_decay"] = () => build([p], weightDecay: -0.5),
            [$"{prefix}_repr"] = () => build([p]),
            [$"{prefix}_repr_tensor_lr"] = () => build([p], lr: Torch.Tensor(0.01), maximize: true),
            [$"{prefix}_sparse_grad"] = () =>
            {
                // PyTorch's snippet: q = [[1, 2], [3, 4]], gradient entries (0, 1) = 0.5 and (1, 0) = -1.
                var q = new Parameter(Torch.Tensor([1f, 2f, 3f, 4f], [2, 2]));
                q.Grad = Torch.SparseCooTensor(Torch.Tensor([0L, 1L, 1L, 0L], [2, 2]), Torch.Tensor([0.5f, -1f]), [2, 2]);
                build([q]).Step();
            },
            [$"{prefix}_params_at_different_steps"] = () => RunUnevenSteps(build, @foreach: null),
            [$"{prefix}_load_numbers_as_scalar_state"] = () => LoadNumbersAsScalarState(build),
            [$"{prefix}_foreach_differentiable"] = () =>
            {
                var q = new Parameter(Torch.Ones(2)).Clone();
                q.Grad = Torch.Ones(2);
                build([q], @foreach: true, differentiable: true).Step();
            },
        };
    }

    /// <summary>Our <c>ToString()</c> against PyTorch's recorded <c>repr(optimizer)</c> for the two repr cases.</summary>
    public static void AssertReprs(string fixture, string prefix, SharedCaseFactory build, Func<string, string> asPyTorchSpellsIt)
    {
        var p = new Parameter(Torch.Randn([1, 1], generator: new Generator(1)));
        Assert.Equal(Result(fixture, $"{prefix}_repr").GetValue<string>(), asPyTorchSpellsIt(build([p]).ToString()));
        Assert.Equal(Result(fixture, $"{prefix}_repr_tensor_lr").GetValue<string>(),
                     asPyTorchSpellsIt(build([p], lr: Torch.Tensor(0.01), maximize: true).ToString()));
    }

    public static JsonNode Result(string fixture, string name)
        => Fixture.Load(fixture).AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!["result"]!;

    /// <summary>
    /// The <c>_params_at_different_steps</c> snippet: a gets a gradient every step, b only from the
    /// 4th, so their steps (and RAdam's rectification, NAdam's schedule, ASGD's eta) differ.
    /// </summary>
    private static (Tensor A, Tensor B, Optimizer Optimizer) RunUnevenSteps(SharedCaseFactory build, bool? @foreach)
    {
        var a = new Parameter(Torch.Tensor([1f, -2f, 3f]));
        var b = new Parameter(Torch.Tensor([0.5f, 0.25f]));
        var optimizer = build([a, b], lr: 0.1, @foreach: @foreach);
        for (int k = 0; k < 10; k++)
        {
            a.Grad = Torch.Tensor([0.3f, -0.2f, 0.1f]).Mul(k + 1);
            b.Grad = k < 3 ? null : Torch.Tensor([-0.4f, 0.6f]).Div(k + 1);
            optimizer.Step();
        }
        return (a, b, optimizer);
    }

    /// <summary>PyTorch's params and states after the uneven-steps snippet, on each of our paths.</summary>
    public static void AssertUnevenSteps(string fixture, string prefix, SharedCaseFactory build)
    {
        var expected = Result(fixture, $"{prefix}_params_at_different_steps").AsArray();
        foreach (bool? @foreach in new bool?[] { false, true, null })
        {
            var (a, b, optimizer) = RunUnevenSteps(build, @foreach);
            string path = $"foreach={@foreach?.ToString() ?? "null"}";
            Tolerance.AssertClose(a, Fixture.TaggedTensor(expected[0]!).ToDoubleArray(), DType.Float32, $"{path} a");
            Tolerance.AssertClose(b, Fixture.TaggedTensor(expected[1]!).ToDoubleArray(), DType.Float32, $"{path} b");
            AssertState(expected[2]!.AsObject(), optimizer.State[a], $"{path} state of a");
            AssertState(expected[3]!.AsObject(), optimizer.State[b], $"{path} state of b");
        }
    }

    /// <summary>
    /// The <c>_load_numbers_as_scalar_state</c> snippet: one step on q = [[1.5]], the state dict's 0-d
    /// entries replaced by plain numbers (an old checkpoint), loaded into an optimizer on [[-0.5]].
    /// </summary>
    private static Optimizer LoadNumbersAsScalarState(SharedCaseFactory build)
    {
        var q = new Parameter(Torch.Tensor([1.5f], [1, 1]));
        var optimizer = build([q]);
        q.Grad = Torch.OnesLike(q);
        optimizer.Step();
        var saved = optimizer.StateDict().DeepCopy();
        var state = saved.State[0];
        foreach (var key in state.Keys.ToList())
            if (state[key] is Tensor { Dim: 0 } t) state[key] = t.Item();
        var loaded = build([new Parameter(Torch.Tensor([-0.5f], [1, 1]))]);
        loaded.LoadStateDict(saved);
        return loaded;
    }

    public static void AssertNumbersLoadAsScalarState(string fixture, string prefix, SharedCaseFactory build)
    {
        var expected = Result(fixture, $"{prefix}_load_numbers_as_scalar_state").AsArray();
        Assert.Contains("float", expected.Take(expected.Count - 1).Select(x => x!.GetValue<string>())); // some entry really was a number
        var loaded = LoadNumbersAsScalarState(build);
        AssertState(expected[^1]!.AsObject(), loaded.State.Values.Single(), "loaded state");
    }

    /// <summary>A recorded per-parameter state (tagged tensors, PyTorch's key order) against ours.</summary>
    private static void AssertState(JsonObject expected, IReadOnlyDictionary<string, object?> actual, string what)
    {
        Assert.Equal(expected.Select(kv => kv.Key), actual.Keys);
        foreach (var (key, value) in expected)
        {
            var e = Fixture.TaggedTensor(value!);
            var t = Assert.IsAssignableFrom<Tensor>(actual[key]);
            Assert.Equal(e.DType, t.DType);
            Assert.Equal(e.Shape, t.Shape);
            Tolerance.AssertClose(t, e.ToDoubleArray(), DType.Float32, $"{what}: {key}");
        }
    }
}
