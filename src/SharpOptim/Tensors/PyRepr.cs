using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace SharpOptim;

/// <summary>
/// Python's spelling of values inside messages and module reprs, so that text PyTorch users
/// know (and text recorded from PyTorch) reads the same here: <c>1e-05</c>, <c>2.0</c>,
/// <c>True</c>, <c>None</c>, <c>torch.Size([2, 3])</c>.
/// </summary>
internal static class PyRepr
{
    /// <summary>Python's <c>repr(float)</c>: the shortest round-trip digits, scientific below 1e-4 and from 1e16.</summary>
    public static string Float(double x)
    {
        if (double.IsNaN(x)) return "nan";
        if (double.IsInfinity(x)) return x > 0 ? "inf" : "-inf";
        if (x == 0) return double.IsNegative(x) ? "-0.0" : "0.0";

        // .NET's "R" gives the same shortest digits as Python; only the layout differs.
        string s = Math.Abs(x).ToString("R", CultureInfo.InvariantCulture);
        int exp = 0;
        int e = s.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(s[(e + 1)..], CultureInfo.InvariantCulture);
            s = s[..e];
        }
        int dot = s.IndexOf('.');
        string intPart = dot >= 0 ? s[..dot] : s;
        string digits = intPart + (dot >= 0 ? s[(dot + 1)..] : "");
        int point = intPart.Length + exp; // decimal point position within digits
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..];
        point -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";

        int sciExp = point - 1;
        string body;
        if (sciExp >= -4 && sciExp < 16)
        {
            if (point <= 0) body = "0." + new string('0', -point) + digits;
            else if (point >= digits.Length) body = digits + new string('0', point - digits.Length) + ".0";
            else body = digits[..point] + "." + digits[point..];
        }
        else
        {
            body = digits[..1] + (digits.Length > 1 ? "." + digits[1..] : "")
                 + "e" + (sciExp < 0 ? "-" : "+") + Math.Abs(sciExp).ToString("00", CultureInfo.InvariantCulture);
        }
        return x < 0 ? "-" + body : body;
    }

    public static string Float(double? x) => x is double v ? Float(v) : "None";

    /// <summary>
    /// A number as PyTorch's messages show a value the user may have passed as an int: Python's
    /// float repr, but without the <c>.0</c> of an integral value (<c>Invalid weight_decay value: -1</c>).
    /// </summary>
    public static string Number(double x)
    {
        var s = Float(x);
        return s.EndsWith(".0", StringComparison.Ordinal) ? s[..^2] : s;
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

    /// <summary>Python's repr of an option value (numbers as <see cref="Number"/>, so int-valued defaults print as PyTorch prints them).</summary>
    public static string Value(object? value) => value switch
    {
        null => "None",
        bool b => Bool(b),
        double d => Number(d),
        float f => Number(f),
        string s => $"'{s}'",
        Tensor t => t.ToString(),
        ITuple tuple => "(" + string.Join(", ", Enumerable.Range(0, tuple.Length).Select(i => Value(tuple[i]))) + ")",
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Value)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    public static string Bool(bool b) => b ? "True" : "False";

    /// <summary>PyTorch's <c>str(tensor.shape)</c>, e.g. <c>torch.Size([2, 3])</c>.</summary>
    public static string Size(ReadOnlySpan<int> shape) => "torch.Size(" + ShapeUtil.Format(shape) + ")";
}
