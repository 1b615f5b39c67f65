using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>Builds our differentiable optimizer over the given params from a case's kwargs.</summary>
public delegate Optimizer DifferentiableBuild(Tensor[] parameters, RecordedKwargs kwargs);

/// <summary>
/// The three ways PyTorch was driven through <c>differentiable: true</c> steps when the fixtures
/// were recorded (tools/golden/fixture_layout.py, PROCEDURES), each replayed here the same way.
/// </summary>
internal static class DifferentiableProcedures
{
    private const string InPlaceError = "one of the variables needed for gradient computation has been modified by an inplace operation";

    /// <summary>
    /// <c>x_g_feedback</c>: x and g are leaves, p = x·1 is the parameter, each step sets
    /// <c>p.grad = g·(k+1) + p·0.5</c> and steps; then <c>(p·w).sum()</c> is back-propagated through
    /// every step. The parameter, the loss and the gradients reaching x and g must match PyTorch's,
    /// or the backward must be refused where PyTorch refused it (an in-place step overwrote a value
    /// autograd had saved).
    /// </summary>
    public static void XgFeedback(JsonNode root, JsonObject c, DifferentiableBuild build)
    {
        var what = c["id"]!.GetValue<string>();
        var x = Shaped(root["x0"]!).RequiresGrad_();
        var g = Shaped(root["g0"]!).RequiresGrad_();
        var w = Shaped(root["w"]!);
        var p = x.Mul(1.0);
        var optimizer = build([p], new RecordedKwargs(c["kwargs"]!.AsObject(), new HashSet<string>()));
        int steps = c["steps"]!.GetValue<int>();
        for (int k = 0; k < steps; k++)
        {
            p.Grad = g.Mul(k + 1).Add(p.Mul(0.5));
            optimizer.Step();
        }
        Tolerance.AssertClose(p, Fixture.Numbers(c["param"]), DType.Float64, $"{what}: param");
        var loss = p.Mul(w).Sum();
        if (c["error"] is { } error)
        {
            Assert.Equal("RuntimeError", error["type"]!.GetValue<string>());
            var refused = Assert.Throws<InvalidOperationException>(() => loss.Backward());
            Assert.StartsWith(InPlaceError, refused.Message);
            Assert.StartsWith(InPlaceError, error["message"]!.GetValue<string>());
            return;
        }
        loss.Backward();
        Tolerance.AssertClose(loss, [Fixture.Number(c["loss"])], DType.Float64, $"{what}: loss");
        Tolerance.AssertClose(x.Grad!, Fixture.Numbers(c["x_grad"]), DType.Float64, $"{what}: x.grad");
        Tolerance.AssertClose(g.Grad!, Fixture.Numbers(c["g_grad"]), DType.Float64, $"{what}: g.grad");
    }

    /// <summary>
    /// <c>pytorch_diff_fn_chain</c>: PyTorch's own differentiable test chained over the recorded
    /// gradients: each step a fresh optimizer on a clone of the parameter with clones of the state;
    /// then the gradient of sum(p·w) + Σ sum(state·w) with respect to the start point, every
    /// gradient fed in, and the tensor lr and betas that require grad. Float64 throughout; the
    /// bias corrections PyTorch computes in float32 (a number beta to the power of the float32
    /// step counter) are reproduced exactly, so float64's tolerance holds.
    /// </summary>
    public static void DiffFnChain(JsonObject record, DifferentiableBuild build)
    {
        var kwargs = record["kwargs"]!.AsObject();
        var gradKwargs = record["grad_kwargs"]!.AsObject();
        var tensorKwargs = record["tensor_kwargs"]!.AsArray().Select(x => x!.GetValue<string>()).ToHashSet();
        var x0 = Shaped(record["x0"]!).RequiresGrad_();
        var grads = record["grads"]!.AsArray().Select(g => Shaped(g!).RequiresGrad_()).ToList();
        var w = Shaped(record["w"]!);
        Tensor Hyper(string name, double value) => Torch.Tensor(value, DType.Float64, requiresGrad: gradKwargs.ContainsKey(name));
        var hyper = new Dictionary<string, Tensor>();
        if (tensorKwargs.Contains("lr")) hyper["lr"] = Hyper("lr", Fixture.Number(kwargs["lr"]));
        if (tensorKwargs.Contains("betas"))
        {
            hyper["betas0"] = Hyper("betas0", Fixture.Number(kwargs["betas"]![0]));
            hyper["betas1"] = Hyper("betas1", Fixture.Number(kwargs["betas"]![1]));
        }
        var k = new RecordedKwargs(kwargs, new HashSet<string>()).WithTensors(hyper);

        var p = x0;
        OrderedDictionary<string, object?> state = new();
        foreach (var g in grads)
        {
            p = p.Clone();
            p.Grad = g;
            var optimizer = build([p], k);
            if (state.Count > 0) optimizer.State[p] = new(state.Select(kv => KeyValuePair.Create(kv.Key, (object?)((Tensor)kv.Value!).Clone())));
            optimizer.Step();
            state = optimizer.State[p];
        }
        var loss = p.Mul(w).Sum();
        foreach (var (key, value) in state)
            if (key != "step") loss = loss.Add(((Tensor)value!).Mul(w).Sum());
        loss.Backward();

        var f64 = DType.Float64;
        Tolerance.AssertClose(p, Fixture.Numbers(record["param"]), f64, "param");
        foreach (var (key, value) in record["state"]!.AsObject())
            TrajectoryCheck.AssertStateValue(state[key], value!, f64, $"state {key}");
        Tolerance.AssertClose(loss, [Fixture.Number(record["loss"])], f64, "loss");
        Tolerance.AssertClose(x0.Grad!, Fixture.Numbers(record["grad_x0"]), f64, "grad of x0");
        for (int i = 0; i < grads.Count; i++)
            Tolerance.AssertClose(grads[i].Grad!, Fixture.Numbers(record["grad_grads"]![i]), f64, $"grad of grads[{i}]");
        foreach (var (name, expected) in gradKwargs)
        {
            var grad = hyper[name].Grad;
            if (expected is null) Assert.Null(grad);
            else Tolerance.AssertClose(Assert.IsAssignableFrom<Tensor>(grad), [Fixture.Number(expected)], f64, $"grad of {name}");
        }
    }

    /// <summary>
    /// <c>recorded_grads</c>: <c>differentiable: true</c> on params that are clones of leaves W, b, s,
    /// PyTorch's recorded gradients as constant <c>.grad</c>s, then <c>sum(p * p)</c> backpropagated
    /// through every step. The params after each step, and the gradients reaching the leaves and a
    /// tensor lr, must match PyTorch's; where PyTorch's backward failed, ours must fail the same way.
    /// </summary>
    public static void RecordedGrads(JsonNode root, JsonObject testCase, DifferentiableBuild build)
    {
        var id = testCase["id"]!.GetValue<string>();
        var dtype = Fixture.DType(testCase["dtype"]!.GetValue<string>());
        var problem = new GoldenProblem(root["problem"]!, dtype);
        var leaves = problem.Params;
        var ps = leaves.Select(leaf => leaf.Clone()).ToArray();
        var kwargs = new RecordedKwargs(testCase["kwargs"]!.AsObject(), TrajectoryCheck.TensorKwargs(testCase));
        Tensor? lr = testCase["lr_requires_grad"]!.GetValue<bool>()
            ? Torch.Tensor(kwargs.Number("lr", double.NaN), dtype, requiresGrad: true)
            : null;
        var optimizer = build(ps, lr is null ? kwargs : kwargs.WithTensors(new Dictionary<string, Tensor> { ["lr"] = lr }));

        var steps = testCase["steps"]!.AsArray();
        for (int k = 0; k < steps.Count; k++)
        {
            var grads = steps[k]!["grads"]!.AsArray();
            for (int i = 0; i < ps.Length; i++) ps[i].Grad = Fixture.Tensor(grads[i], ps[i].Shape, dtype);
            optimizer.Step();
            var expected = steps[k]!["params"]!.AsArray();
            for (int i = 0; i < ps.Length; i++)
                Tolerance.AssertClose(ps[i], Fixture.Numbers(expected[i]), dtype, $"{id} step {k + 1}: param {GoldenProblem.Names[i]}");
        }

        var objective = ps.Select(p => p.Mul(p).Sum()).Aggregate((a, b) => a.Add(b));
        Tolerance.AssertClose(objective, [Fixture.Number(testCase["objective"])], dtype, $"{id} objective");
        if (testCase["backward_error"] is { } error)
        {
            Assert.StartsWith(InPlaceError, error.GetValue<string>());
            var ex = Assert.Throws<InvalidOperationException>(() => objective.Backward());
            Assert.StartsWith(InPlaceError, ex.Message);
            return;
        }
        objective.Backward();
        var leafGrads = testCase["leaf_grads"]!.AsArray();
        for (int i = 0; i < leaves.Length; i++)
            Tolerance.AssertClose(leaves[i].Grad!, Fixture.Numbers(leafGrads[i]), dtype, $"{id} gradient of leaf {GoldenProblem.Names[i]}");
        if (testCase["lr_grad"] is { } lrGrad)
            Tolerance.AssertClose(lr!.Grad!, [Fixture.Number(lrGrad)], dtype, $"{id} gradient of lr");
        else
            Assert.True(lr?.Grad is null, $"{id}: PyTorch's lr got no gradient, ours got {lr?.Grad}");
    }

    private static Tensor Shaped(JsonNode node)
        => Fixture.Tensor(node["data"], node["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray(), DType.Float64);
}
