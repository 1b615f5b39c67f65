using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// Replays a recorded differentiable=True run (tools/golden/adaptive.py, <c>&lt;prefix&gt;_differentiable.json</c>):
/// x and g are leaves, p = x·1 is the parameter, each step sets <c>p.grad = g·(k+1) + p·0.5</c> and
/// steps; then <c>(p·w).sum()</c> is back-propagated through every step. The parameter, the loss
/// and the gradients reaching x and g must match PyTorch's, or the backward must be refused where
/// PyTorch refused it (an in-place step overwrote a value autograd had saved).
/// </summary>
internal static class DifferentiableCheck
{
    /// <summary>Builds the optimizer over the parameters with <c>differentiable: true</c> from a case's kwargs.</summary>
    public delegate Optimizer Factory(Tensor[] parameters, JsonObject kwargs);

    public static IEnumerable<object[]> Cases(string fixture)
        => Enumerable.Range(0, Fixture.Load(fixture)["cases"]!.AsArray().Count).Select(i => new object[] { i });

    public static void Run(string fixture, int index, Factory factory)
    {
        var root = Fixture.Load(fixture);
        var c = root["cases"]![index]!;
        var what = $"{fixture} case {index}";
        var x = Load(root["x0"]!).RequiresGrad_();
        var g = Load(root["g0"]!).RequiresGrad_();
        var w = Load(root["w"]!);
        var p = x.Mul(1.0);
        var optimizer = factory([p], c["kwargs"]!.AsObject());
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
            Assert.StartsWith("one of the variables needed for gradient computation has been modified by an inplace operation", refused.Message);
            Assert.StartsWith("one of the variables needed for gradient computation has been modified by an inplace operation", error["message"]!.GetValue<string>());
            return;
        }
        loss.Backward();
        Tolerance.AssertClose(loss, [Fixture.Number(c["loss"])], DType.Float64, $"{what}: loss");
        Tolerance.AssertClose(x.Grad!, Fixture.Numbers(c["x_grad"]), DType.Float64, $"{what}: x.grad");
        Tolerance.AssertClose(g.Grad!, Fixture.Numbers(c["g_grad"]), DType.Float64, $"{what}: g.grad");
    }

    private static Tensor Load(JsonNode node)
        => Fixture.Tensor(node["data"], node["shape"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray(), DType.Float64);
}
