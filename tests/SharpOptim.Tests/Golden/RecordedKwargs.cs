using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// A recorded case's constructor kwargs (PyTorch's names), read for building our optimizer: absent
/// keys give the caller's default (PyTorch's), and a kwarg PyTorch got as a tensor (listed in
/// <c>tensor_kwargs</c>) comes back as a float32 0-d tensor, as <c>torch.tensor(x)</c> made it.
/// A differentiable replay may put its own tensors in place of lr and the betas (<see cref="WithTensors"/>).
/// </summary>
public sealed class RecordedKwargs(JsonObject kwargs, ISet<string> tensorKwargs, IReadOnlyDictionary<string, Tensor>? tensors = null)
{
    private readonly IReadOnlyDictionary<string, Tensor> _tensors = tensors ?? new Dictionary<string, Tensor>();

    /// <summary>These kwargs with <paramref name="replacements"/> ("lr", "betas0", "betas1") taking the place of those hyper-parameters.</summary>
    public RecordedKwargs WithTensors(IReadOnlyDictionary<string, Tensor> replacements) => new(kwargs, tensorKwargs, replacements);

    /// <summary>The recorded JSON of a kwarg, or null when absent.</summary>
    public JsonNode? this[string key] => kwargs[key];

    public double Number(string key, double fallback) => kwargs[key] is { } v ? Fixture.Number(v) : fallback;

    public bool Bool(string key, bool fallback = false) => kwargs[key]?.GetValue<bool>() ?? fallback;

    public bool Flag(string key) => Bool(key);

    /// <summary>A string kwarg (e.g. Muon's <c>adjust_lr_fn</c>), or null when absent.</summary>
    public string? Text(string key) => kwargs[key]?.GetValue<string>();

    /// <summary>A tuple kwarg such as <c>betas</c> or <c>etas</c> (a two-element JSON list), or null when absent.</summary>
    public (double, double)? Pair(string key)
        => kwargs[key] is JsonArray a ? (Fixture.Number(a[0]), Fixture.Number(a[1])) : null;

    public (double, double) Pair(string key, (double, double) fallback) => Pair(key) ?? fallback;

    /// <summary><c>lr</c> as PyTorch got it: a replacement tensor, a number, or a float32 tensor.</summary>
    public FloatOrTensor Lr(double fallback)
        => _tensors.TryGetValue("lr", out var lr) ? lr
         : tensorKwargs.Contains("lr") ? Torch.Tensor(Number("lr", fallback), DType.Float32) : Number("lr", fallback);

    /// <summary>The betas as given (replacement tensors, numbers or float32 tensors), or null for the default.</summary>
    public (FloatOrTensor, FloatOrTensor)? Betas()
    {
        if (_tensors.TryGetValue("betas0", out var b0) && _tensors.TryGetValue("betas1", out var b1)) return (b0, b1);
        if (Pair("betas") is not var (beta1, beta2)) return null;
        return tensorKwargs.Contains("betas") ? (Torch.Tensor(beta1, DType.Float32), Torch.Tensor(beta2, DType.Float32)) : (beta1, beta2);
    }

    /// <summary>Whether lr or betas are tensors (PyTorch then refuses foreach unless capturable).</summary>
    public bool HasTensorHyperParameters => tensorKwargs.Contains("lr") || tensorKwargs.Contains("betas");

    /// <summary>The <c>foreach</c> flag of the path named <paramref name="path"/> (see <see cref="OptimizerPath"/>).</summary>
    public static bool? ForeachFor(string path) => OptimizerPath.Named(path).Foreach;

    /// <summary>The <c>fused</c> flag of the path named <paramref name="path"/>.</summary>
    public static bool? FusedFor(string path) => OptimizerPath.Named(path).Fused;
}
