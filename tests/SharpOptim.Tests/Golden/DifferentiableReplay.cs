using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>Builds our optimizer for a differentiable case: params, kwargs, and the lr leaf (null when lr is a number).</summary>
public delegate Optimizer DifferentiableFactory(Tensor[] parameters, JsonObject kwargs, ISet<string> tensorKwargs, Tensor? lr);

/// <summary>
/// Replays a <c>&lt;prefix&gt;_differentiable.json.gz</c> case (tools/golden/algorithm_fixtures.py):
/// <c>differentiable: true</c> on params that are clones of leaves W, b, s, PyTorch's recorded
/// gradients as constant <c>.grad</c>s, then <c>sum(p * p)</c> backpropagated through every step.
/// The params after each step, and the gradients reaching the leaves and a tensor lr, must match
/// PyTorch's; where PyTorch's backward failed, ours must fail the same way.
/// </summary>
internal static class DifferentiableReplay
{
    public static IEnumerable<object[]> CaseIds(string fixture)
        => Fixture.Load(fixture)["cases"]!.AsArray().Select(c => new object[] { c!["id"]!.GetValue<string>() });

    public static void Replay(string fixture, string id, DifferentiableFactory factory)
    {
        var testCase = TrajectoryCheck.Case(fixture, id);
        var dtype = Fixture.DType(testCase["dtype"]!.GetValue<string>());
        var problem = new GoldenProblem(Fixture.Load(fixture)["problem"]!, dtype);
        var leaves = problem.Params;
        var ps = leaves.Select(leaf => leaf.Clone()).ToArray();
        var kwargs = testCase["kwargs"]!.AsObject();
        Tensor? lr = testCase["lr_requires_grad"]!.GetValue<bool>()
            ? Torch.Tensor(Fixture.Number(kwargs["lr"]), dtype, requiresGrad: true)
            : null;
        var optimizer = factory(ps, kwargs, TrajectoryCheck.TensorKwargs(testCase), lr);

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
            const string inPlaceError = "one of the variables needed for gradient computation has been modified by an inplace operation";
            Assert.StartsWith(inPlaceError, error.GetValue<string>());
            var ex = Assert.Throws<InvalidOperationException>(() => objective.Backward());
            Assert.StartsWith(inPlaceError, ex.Message);
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
}
