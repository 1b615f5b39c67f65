using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// A recorded case's constructor kwargs (PyTorch's names), read for building our optimizer: absent
/// keys give the caller's default (PyTorch's), and a kwarg PyTorch got as a tensor (listed in
/// <c>tensor_kwargs</c>) comes back as a float32 0-d tensor, as <c>torch.tensor(x)</c> made it.
/// </summary>
public sealed class RecordedKwargs(JsonObject kwargs, ISet<string> tensorKwargs)
{
    public double Number(string key, double fallback) => kwargs[key] is { } v ? Fixture.Number(v) : fallback;

    public bool Bool(string key, bool fallback = false) => kwargs[key]?.GetValue<bool>() ?? fallback;

    public bool Flag(string key) => Bool(key);

    /// <summary>A tuple kwarg such as <c>betas</c> or <c>etas</c> (a two-element JSON list), or null when absent.</summary>
    public (double, double)? Pair(string key)
        => kwargs[key] is JsonArray a ? (Fixture.Number(a[0]), Fixture.Number(a[1])) : null;

    public (double, double) Pair(string key, (double, double) fallback) => Pair(key) ?? fallback;

    /// <summary><c>lr</c> as PyTorch got it: a number, or a float32 tensor.</summary>
    public FloatOrTensor Lr(double fallback)
        => tensorKwargs.Contains("lr") ? Torch.Tensor(Number("lr", fallback), DType.Float32) : Number("lr", fallback);

    /// <summary>
    /// The <c>foreach</c> flag for one of our paths: "reference" and "differentiable" → false,
    /// "foreach" → true, "default" and "fused" → null (for an algorithm without a <c>fused</c> flag,
    /// null selects the fused kernel).
    /// </summary>
    public static bool? ForeachFor(string path) => path switch
    {
        "reference" or "differentiable" => false,
        "foreach" => true,
        "default" or "fused" => null,
        _ => throw new ArgumentException($"unknown path {path}", nameof(path)),
    };

    /// <summary>The <c>fused</c> flag for one of our paths.</summary>
    public static bool? FusedFor(string path) => path == "fused" ? true : null;
}
