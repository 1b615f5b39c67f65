using System.Runtime.CompilerServices;

namespace SharpOptim.Optim;

/// <summary>Reads option values that may arrive as any numeric type, a one-element tensor, or a tuple.</summary>
internal static class OptionValues
{
    public static double ToDouble(object? value, string key) => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        bool b => b ? 1 : 0,
        Tensor t when t.Numel == 1 => t.Item(),
        _ => throw new InvalidCastException($"option '{key}' is {Describe(value)}, not a number"),
    };

    public static bool ToBool(object? value, string key) => value switch
    {
        null => false,
        bool b => b,
        double or float or int or long => ToDouble(value, key) != 0,
        _ => throw new InvalidCastException($"option '{key}' is {Describe(value)}, not a bool"),
    };

    public static (double, double) ToPair(object? value, string key) => value switch
    {
        ValueTuple<double, double> pair => pair,   // the constructors' form, read without boxing through ITuple
        ITuple { Length: 2 } t => (ToDouble(t[0], key), ToDouble(t[1], key)),
        IReadOnlyList<double> { Count: 2 } l => (l[0], l[1]),
        IList<object?> { Count: 2 } l => (ToDouble(l[0], key), ToDouble(l[1], key)),
        _ => throw new InvalidCastException($"option '{key}' is {Describe(value)}, not a pair of numbers"),
    };

    private static string Describe(object? value) => value is null ? "null" : $"a {value.GetType().Name}";
}
