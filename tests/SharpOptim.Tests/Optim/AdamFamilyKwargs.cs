using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Reads a recorded Adam-family case's kwargs (tools/golden/adam.py, adamax.py): numbers, flags,
/// and lr / betas given as tensors in PyTorch (listed in tensor_kwargs; PyTorch's were float32 0-d).
/// </summary>
internal sealed class AdamFamilyKwargs(JsonObject kwargs, ISet<string> tensorKwargs, DType tensorDType = DType.Float32)
{
    public double Number(string key, double fallback) => kwargs[key] is { } v ? Fixture.Number(v) : fallback;

    public bool Flag(string key) => kwargs[key]?.GetValue<bool>() ?? false;

    public FloatOrTensor Lr(double fallback)
        => tensorKwargs.Contains("lr") ? Torch.Tensor(Number("lr", fallback), tensorDType) : Number("lr", fallback);

    /// <summary>The betas as given (numbers or tensors), or null for the default.</summary>
    public (FloatOrTensor, FloatOrTensor)? Betas()
    {
        if (kwargs["betas"] is not JsonArray pair) return null;
        double b1 = Fixture.Number(pair[0]), b2 = Fixture.Number(pair[1]);
        return tensorKwargs.Contains("betas") ? (Torch.Tensor(b1, tensorDType), Torch.Tensor(b2, tensorDType)) : (b1, b2);
    }

    /// <summary>The betas as numbers (Adamax takes no tensors), or null for the default.</summary>
    public (double, double)? NumberBetas()
        => kwargs["betas"] is JsonArray pair ? (Fixture.Number(pair[0]), Fixture.Number(pair[1])) : null;

    /// <summary>Whether lr or betas are tensors (PyTorch then refuses foreach unless capturable).</summary>
    public bool HasTensorHyperParameters => tensorKwargs.Contains("lr") || tensorKwargs.Contains("betas");
}
