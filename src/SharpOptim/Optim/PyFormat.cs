using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace SharpOptim.Optim;

/// <summary>Formats values the way PyTorch's messages print them (Python's repr), so error texts match.</summary>
internal static class PyFormat
{
    /// <summary>Shortest round-trip form with Python's exponent style (<c>1e-05</c>, <c>1e+16</c>).</summary>
    public static string Number(double v)
    {
        if (double.IsNaN(v)) return "nan";
        if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        var s = v.ToString("R", CultureInfo.InvariantCulture);
        int e = s.IndexOf('E');
        if (e < 0) return s;
        var mantissa = s[..e];
        var exponent = int.Parse(s[(e + 1)..], CultureInfo.InvariantCulture);
        return $"{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
    }

    /// <summary>The Python type name a value of this .NET type corresponds to (<c>float</c>, <c>int</c>, ...).</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        double or float => "float",
        int or long or short or byte => "int",
        bool => "bool",
        string => "str",
        _ => value.GetType().Name,
    };

    public static string Value(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        double d => Number(d),
        float f => Number(f),
        string s => $"'{s}'",
        Tensor t => t.ToString(),
        ITuple tuple => "(" + string.Join(", ", Enumerable.Range(0, tuple.Length).Select(i => Value(tuple[i]))) + ")",
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Value)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
