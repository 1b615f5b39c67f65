using System.Collections;
using System.Runtime.CompilerServices;

namespace SharpOptim.Optim;

/// <summary>
/// What Adam, AdamW and Adamax share about their hyper-parameters: PyTorch's checks of
/// <c>betas</c> (numbers, or for Adam one-element tensors), how a group stores them, and reading
/// <c>lr</c> and <c>betas</c> back from a group (as given, or as a checkpoint left them).
/// </summary>
internal static class AdamFamily
{
    /// <summary>
    /// PyTorch's <c>0.0 &lt;= betas[index] &lt; 1.0</c>, with its message (the value as Python prints a
    /// float). A tensor beta of several elements fails as Python's comparison of it does.
    /// </summary>
    public static void CheckBetaRange(FloatOrTensor beta, int index)
    {
        if (beta.Tensor is { Numel: not 1 })
            throw new InvalidOperationException("Boolean value of Tensor with more than one value is ambiguous");
        Validation.CheckBeta(beta.Value, index);
    }

    /// <summary>
    /// The group's <c>betas</c> value: a <c>(double, double)</c> tuple, or two tensors made 0-d as
    /// PyTorch's <c>_to_scalar</c> squeezes them (sharing their storage).
    /// </summary>
    public static object BetasOption(FloatOrTensor beta1, FloatOrTensor beta2)
        => beta1.Tensor is { } t1 && beta2.Tensor is { } t2
            ? (ToScalarTensor(t1), ToScalarTensor(t2))
            : (beta1.Value, beta2.Value);

    private static Tensor ToScalarTensor(Tensor t) => t.Dim == 0 ? t : t.Reshape();

    /// <summary>A group's <c>lr</c>: the tensor itself when it is one, else its number.</summary>
    public static FloatOrTensor ReadLr(ParamGroup group) => group.Peek("lr") is Tensor t ? t : group.GetDouble("lr");

    /// <summary>
    /// A group's <c>betas</c>, each a number or a tensor: from the tuple the constructor stored, or
    /// from the list a loaded state dict holds.
    /// </summary>
    public static (FloatOrTensor Beta1, FloatOrTensor Beta2) ReadBetas(ParamGroup group)
    {
        var value = group.Peek("betas");
        // Read in place (no array of the two), as every step of the group does this.
        return value switch
        {
            // The constructor's pair of numbers first: through ITuple each would be boxed.
            ValueTuple<double, double> pair => pair,
            ITuple { Length: 2 } tuple => (Item(tuple[0]), Item(tuple[1])),
            IList { Count: 2 } list => (Item(list[0]), Item(list[1])),
            _ => throw new InvalidCastException($"option 'betas' is {StateValues.Describe(value)}, not a pair of numbers or tensors"),
        };

        static FloatOrTensor Item(object? x) => x is Tensor t ? t : OptionValues.ToDouble(x, "betas");
    }
}
