using System.Collections;
using System.Runtime.CompilerServices;

namespace SharpOptim.Optim;

/// <summary>
/// The Adam family's options in PyTorch's words: the constructor checks and how a group stores and
/// reads back <c>betas</c>. Adam, AdamW and Adamax take <c>betas</c> as numbers or (Adam) one-element
/// tensors, stored as 0-d tensors and read back in either form; NAdam and RAdam take two floats
/// and check them in one fixed order (<see cref="CheckNAdamRAdam"/>), and their steps read the
/// group through <see cref="MomentHyper"/>. The single-value checks live in <see cref="Validation"/>.
/// </summary>
internal static class AdamFamilyOptions
{
    /// <summary>The default <c>betas</c> of NAdam and RAdam, (0.9, 0.999).</summary>
    public static readonly (double, double) DefaultBetas = (0.9, 0.999);

    /// <summary>NAdam's and RAdam's checks, in PyTorch's order: lr, eps, betas[0], betas[1], weight_decay.</summary>
    public static void CheckNAdamRAdam(FloatOrTensor lr, (double Beta1, double Beta2) betas, double eps, double weightDecay)
    {
        Validation.CheckLr(lr);
        Validation.CheckNonNegative(eps, "epsilon", nameof(eps));
        Validation.CheckBeta(betas.Beta1, 0);
        Validation.CheckBeta(betas.Beta2, 1);
        Validation.CheckNonNegative(weightDecay, "weight_decay", nameof(weightDecay));
    }

    /// <summary>
    /// Adam's and Adamax's <c>0.0 &lt;= betas[index] &lt; 1.0</c>, with PyTorch's message (the value
    /// as Python prints a float). A tensor beta of several elements fails as Python's comparison of it does.
    /// </summary>
    public static void CheckBetaRange(FloatOrTensor beta, int index)
    {
        if (beta.Tensor is { Numel: not 1 })
            throw new InvalidOperationException("Boolean value of Tensor with more than one value is ambiguous");
        Validation.CheckBeta(beta.Value, index);
    }

    /// <summary>
    /// The group's <c>betas</c> value (Adam, Adamax): a <c>(double, double)</c> tuple, or two tensors
    /// made 0-d as PyTorch's <c>_to_scalar</c> squeezes them (sharing their storage).
    /// </summary>
    public static object BetasOption(FloatOrTensor beta1, FloatOrTensor beta2)
        => beta1.Tensor is { } t1 && beta2.Tensor is { } t2
            ? (ToScalarTensor(t1), ToScalarTensor(t2))
            : (beta1.Value, beta2.Value);

    private static Tensor ToScalarTensor(Tensor t) => t.Dim == 0 ? t : t.Reshape();

    /// <summary>
    /// A group's <c>betas</c> (Adam, Adamax), each a number or a tensor: from the tuple the
    /// constructor stored, or from the list a loaded state dict holds.
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

        static FloatOrTensor Item(object? x) => FloatOrTensor.FromOption(x, "betas");
    }
}

/// <summary>The options NAdam's and RAdam's steps read from a group (the same keys in both), on both paths.</summary>
internal readonly record struct MomentHyper(double Beta1, double Beta2, double Eps, double WeightDecay, bool Decoupled, bool Maximize)
{
    public static MomentHyper Read(ParamGroup group)
    {
        var (beta1, beta2) = group.GetPair("betas");
        return new MomentHyper(beta1, beta2, group.GetDouble("eps"), group.GetDouble("weight_decay"),
                               group.GetBool("decoupled_weight_decay"), group.GetBool("maximize"));
    }
}
