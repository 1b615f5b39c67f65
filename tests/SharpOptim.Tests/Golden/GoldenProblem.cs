using System.Text.Json.Nodes;
using SharpOptim;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// The test problem of tools/golden (README "The test problem"), built from the float64 values
/// stored in a fixture's "problem": the data X and Y, and every other entry a param, in order.
/// The standard problem's params are W (3,4), b (3), s (0-d), with
/// loss = mean((tanh(X Wᵀ + b)·s − Y)²); other fixtures (Muon's) store other params.
/// </summary>
internal sealed class GoldenProblem
{
    private readonly Tensor _x, _y;

    public GoldenProblem(JsonNode problem, DType dtype)
    {
        _x = Load(problem["X"]!, dtype);
        _y = Load(problem["Y"]!, dtype);
        // Every tensor entry but X and Y is a param (some fixtures also list "param_names").
        var entries = problem.AsObject().Where(kv => kv.Key is not ("X" or "Y") && kv.Value is JsonObject { } t && t["data"] is not null).ToList();
        ParamNames = entries.Select(kv => kv.Key).ToArray();
        Params = entries.Select(kv => Load(kv.Value!, dtype).RequiresGrad_()).ToArray();
    }

    private static Tensor Load(JsonNode node, DType dtype)
        => Fixture.Tensor(node["data"], node["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray(), dtype);

    private Tensor Param(string name) => Params[Array.IndexOf(ParamNames, name) is var i and >= 0 ? i : throw new KeyNotFoundException($"the problem has no param {name}")];

    public Tensor W => Param("W");
    public Tensor B => Param("b");
    public Tensor S => Param("s");

    /// <summary>The params, in the fixture's order.</summary>
    public Tensor[] Params { get; }

    /// <summary>The params' names, in the fixture's order.</summary>
    public string[] ParamNames { get; }

    /// <summary>The standard problem's param names.</summary>
    public static readonly string[] Names = ["W", "b", "s"];

    /// <summary>The standard problem's loss with our own autograd (for closed-loop runs).</summary>
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
