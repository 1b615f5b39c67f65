using System.Text.Json.Nodes;
using SharpOptim;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// The test problem of tools/golden (README "The test problem"): params W (3,4), b (3), s (0-d);
/// loss = mean((tanh(X Wᵀ + b)·s − Y)²). Built from the float64 values stored in the fixture.
/// </summary>
internal sealed class GoldenProblem
{
    private readonly Tensor _x, _y;

    public GoldenProblem(JsonNode problem, DType dtype)
    {
        _x = Load(problem["X"]!, dtype);
        _y = Load(problem["Y"]!, dtype);
        W = Load(problem["W"]!, dtype).RequiresGrad_();
        B = Load(problem["b"]!, dtype).RequiresGrad_();
        S = Load(problem["s"]!, dtype).RequiresGrad_();
    }

    private static Tensor Load(JsonNode node, DType dtype)
        => Fixture.Tensor(node["data"], node["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray(), dtype);

    public Tensor W { get; }
    public Tensor B { get; }
    public Tensor S { get; }

    public Tensor[] Params => [W, B, S];

    public static readonly string[] Names = ["W", "b", "s"];

    /// <summary>The loss with our own autograd (for closed-loop runs).</summary>
    public Tensor Loss() => _x.Matmul(W.T()).Add(B).Tanh().Mul(S).Sub(_y).Square().Mean();

    /// <summary>Sets each param's grad to the one PyTorch recorded for this step.</summary>
    public void SetRecordedGrads(JsonNode step)
    {
        var grads = step["grads"]!.AsArray();
        for (int i = 0; i < Params.Length; i++)
            Params[i].Grad = Fixture.Tensor(grads[i], Params[i].Shape, Params[i].DType);
    }

    /// <summary>Overwrites the params' values (no autograd), e.g. with PyTorch's params at a save point.</summary>
    public void SetParams(JsonArray values)
    {
        using var _ = Torch.NoGrad();
        for (int i = 0; i < Params.Length; i++)
            Params[i].Copy_(Fixture.Tensor(values[i], Params[i].Shape, Params[i].DType));
    }
}
