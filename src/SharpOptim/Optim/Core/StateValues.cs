using System.Collections;
using System.Runtime.CompilerServices;

namespace SharpOptim.Optim;

/// <summary>Deep copies and casts of the nested values that optimizer state and options hold.</summary>
internal static class StateValues
{
    public static object? DeepCopy(object? value) => value switch
    {
        null => null,
        Tensor t => CloneDetached(t),
        string or double or float or int or long or bool => value,
        OrderedDictionary<string, object?> d => new OrderedDictionary<string, object?>(d.Select(kv => new KeyValuePair<string, object?>(kv.Key, DeepCopy(kv.Value)))),
        List<int> l => new List<int>(l),
        List<string> l => new List<string>(l),
        List<double> l => new List<double>(l),
        List<Tensor> l => l.Select(CloneDetached).ToList(),
        List<object?> l => l.Select(DeepCopy).ToList(),
        ValueTuple<Tensor, Tensor> pair => (CloneDetached(pair.Item1), CloneDetached(pair.Item2)), // tensor betas
        ITuple tuple when value.GetType().IsValueType => value, // value tuples of numbers are immutable
        _ => value,
    };

    public static Tensor CloneDetached(Tensor t)
    {
        using (Torch.NoGrad()) return t.Detach().Clone();
    }

    /// <summary>
    /// PyTorch's <c>_cast</c> for loading: every tensor of a floating-point parameter's state takes
    /// the parameter's dtype, whatever its own (an int64 <c>exp_avg</c> included), except
    /// <c>step</c>, which keeps its dtype unless the group is fused or capturable (then float32);
    /// a non-floating parameter's state keeps its dtypes. Inside lists the key is not passed on, as
    /// in PyTorch. Values are copied, so the loaded state never aliases the dictionary passed in.
    /// </summary>
    public static object? CastForParam(Tensor param, object? value, string? key, bool fusedOrCapturable)
    {
        switch (value)
        {
            case Tensor t:
            {
                DType target = key == "step"
                    ? fusedOrCapturable ? DType.Float32 : t.DType
                    : param.IsFloatingPoint ? param.DType : t.DType;
                using (Torch.NoGrad()) return t.DType == target ? t.Detach().Clone() : t.Detach().To(target);
            }
            case OrderedDictionary<string, object?> d:
                return new OrderedDictionary<string, object?>(d.Select(kv => new KeyValuePair<string, object?>(kv.Key, CastForParam(param, kv.Value, kv.Key, fusedOrCapturable))));
            case List<Tensor> l:
                return l.Select(x => (Tensor)CastForParam(param, x, null, fusedOrCapturable)!).ToList();
            case List<object?> l:
                return l.Select(x => CastForParam(param, x, null, fusedOrCapturable)).ToList();
            default:
                return DeepCopy(value);
        }
    }

    public static string Describe(object? value) => value switch
    {
        null => "null",
        Tensor t => $"a {(t.IsSparse ? "sparse " : "")}{t.DType.TorchName()} tensor of shape {ShapeUtil.Format(t.ShapeRef)}",
        IEnumerable and not string => $"a {value.GetType().Name}",
        _ => $"{value} ({value.GetType().Name})",
    };
}
