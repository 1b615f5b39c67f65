using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// A recorded case's constructor kwargs (PyTorch's names), read with PyTorch's defaults for what
/// the case leaves out, so a test factory can pass them to our constructor.
/// </summary>
internal readonly struct RecordedKwargs(JsonObject kwargs, ISet<string> tensorKwargs)
{
    public double Number(string key, double fallback) => kwargs[key] is { } v ? Fixture.Number(v) : fallback;

    public bool Flag(string key) => kwargs[key]?.GetValue<bool>() ?? false;

    /// <summary>A pair such as <c>betas</c> or <c>etas</c> (recorded as a two-element list).</summary>
    public (double, double) Pair(string key, (double, double) fallback)
        => kwargs[key] is JsonArray a ? (Fixture.Number(a[0]), Fixture.Number(a[1])) : fallback;

    /// <summary>lr as PyTorch's case gave it: a float32 0-d tensor when it was a tensor, else a number.</summary>
    public FloatOrTensor Lr(double fallback)
        => tensorKwargs.Contains("lr") ? Torch.Tensor(Number("lr", fallback), DType.Float32) : Number("lr", fallback);

    /// <summary>The <c>foreach</c> flag for one of our paths ("reference", "foreach", "fused", "default", "differentiable").</summary>
    public static bool? ForeachFor(string path) => path switch
    {
        "reference" or "differentiable" => false,
        "foreach" => true,
        _ => null,
    };

    /// <summary>The <c>fused</c> flag for one of our paths.</summary>
    public static bool? FusedFor(string path) => path == "fused" ? true : null;
}
