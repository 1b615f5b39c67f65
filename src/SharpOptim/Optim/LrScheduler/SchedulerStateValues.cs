using System.Globalization;
using System.Collections;

namespace SharpOptim.Optim.LrScheduler;

/// <summary>
/// Conversions between a scheduler's typed fields and the values of its state dict, which keep
/// Python's types: <c>int</c> for Python ints, <c>double</c> for floats, <c>bool</c>, <c>string</c>,
/// <c>null</c> for None, <c>List&lt;object?&gt;</c> for lists (numbers or tensors),
/// <see cref="Counter"/>, nested <c>OrderedDictionary&lt;string, object?&gt;</c> and tensors. Reading
/// accepts any .NET numeric type a deserializer may produce and refuses anything else with a
/// message naming the entry.
/// </summary>
internal static class SchedulerStateValues
{
    public static object? Export(FloatOrTensor value) => value.Clone().AsOption;

    public static List<object?> Export(IEnumerable<int> values) => values.Select(v => (object?)v).ToList();

    /// <summary>A deep copy, so a state dict and the scheduler never share mutable objects.</summary>
    public static object? Copy(object? value) => value switch
    {
        Counter c => c.Copy(),
        _ => StateValues.DeepCopy(value),
    };

    public static int ToInt(object? value, string key) => value switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        short or byte => Convert.ToInt32(value, CultureInfo.InvariantCulture),
        _ => throw Bad(key, value, "an int"),
    };

    public static double ToDouble(object? value, string key) => value switch
    {
        double d => d,
        float f => f,
        int or long or short or byte => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        Tensor { Numel: 1 } t => t.Item(),
        _ => throw Bad(key, value, "a number"),
    };

    public static bool ToBool(object? value, string key) => value is bool b ? b : throw Bad(key, value, "a bool");

    public static string ToText(object? value, string key) => value as string ?? throw Bad(key, value, "a string");

    /// <summary>A learning rate (or momentum): a number, or a one-element tensor (cloned).</summary>
    public static FloatOrTensor ToLr(object? value, string key) => value switch
    {
        Tensor { Numel: 1 } t => StateValues.CloneDetached(t),
        Tensor => throw Bad(key, value, "a number or a one-element tensor"),
        _ => ToDouble(value, key),
    };

    public static List<FloatOrTensor> ToLrList(object? value, string key) => Items(value, key).Select(v => ToLr(v, key)).ToList();

    public static List<int> ToIntList(object? value, string key) => Items(value, key).Select(v => ToInt(v, key)).ToList();

    public static List<double> ToDoubleList(object? value, string key) => Items(value, key).Select(v => ToDouble(v, key)).ToList();

    public static IEnumerable<object?> Items(object? value, string key) => value switch
    {
        string or null or IDictionary => throw Bad(key, value, "a list"),
        IEnumerable e => e.Cast<object?>().ToList(),
        _ => throw Bad(key, value, "a list"),
    };

    public static ArgumentException Bad(string key, object? value, string expected)
        => new($"state dict entry '{key}' is {StateValues.Describe(value)}, expected {expected}", "stateDict");
}
