using System.Reflection;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.LrScheduler;

/// <summary>
/// Builds what a case of lr_scheduler.json.gz describes (tools/golden/lr_scheduler.py): the
/// optimizer, the scheduler — found by PyTorch's class name and called with PyTorch's keyword
/// arguments turned camelCase, so the fixtures also check that the C# parameter names mirror
/// PyTorch's — and the functions of the shared catalogue.
/// </summary>
internal static class ScheduleSpec
{
    public static Optimizer BuildOptimizer(JsonNode spec)
    {
        var groups = spec["groups"]!.AsArray().Select(g =>
        {
            var group = new ParamGroup([Torch.Zeros([2], requiresGrad: true)]);
            foreach (var (key, value) in g!.AsObject()) group[key] = OptionValue(value!);
            return group;
        }).ToList();
        var defaults = spec["defaults"]!.AsObject();
        double DefaultNumber(string key, double fallback) => defaults[key] is { } v ? Fixture.Number(v) : fallback;
        return spec["kind"]!.GetValue<string>() switch
        {
            "SGD" => new SGD(groups, lr: defaults["lr"] is JsonObject t ? Tensor(t) : DefaultNumber("lr", 1e-3), momentum: DefaultNumber("momentum", 0)),
            "Adam" => new BetasTestOptimizer(groups, lr: DefaultNumber("lr", 1e-3)),
            "Rprop" => new PlainTestOptimizer(groups, lr: DefaultNumber("lr", 1e-2)),
            var kind => throw new InvalidDataException($"unknown optimizer {kind}"),
        };
    }

    private static object OptionValue(JsonNode value) => value is JsonObject t ? Tensor(t) : Fixture.Number(value);

    /// <summary>A spec tensor <c>{"tensor": value, "dtype": ...}</c>: the value rounded to the dtype, as torch.tensor does.</summary>
    private static Tensor Tensor(JsonObject spec)
        => Torch.Scalar(Fixture.Number(spec["tensor"]), Fixture.DType(spec["dtype"]!.GetValue<string>()));

    public static LRScheduler BuildScheduler(JsonNode spec, Optimizer optimizer)
    {
        if (spec["on"] is { } other) optimizer = BuildOptimizer(other);
        string name = spec["class"]!.GetValue<string>();
        var type = typeof(LRScheduler).Assembly.GetType($"SharpOptim.Optim.LrScheduler.{name}")
                   ?? typeof(LRScheduler).Assembly.GetType($"SharpOptim.Optim.SwaUtils.{name}") // SWALR
                   ?? throw new InvalidDataException($"no scheduler class {name}");
        var kwargs = spec["kwargs"]!.AsObject().Select(kv => (Name: CamelCase(kv.Key), Value: kv.Value)).ToList();
        foreach (var ctor in type.GetConstructors())
        {
            var parameters = ctor.GetParameters();
            if (!kwargs.All(k => parameters.Any(p => p.Name == k.Name && Fits(k.Value, p.ParameterType)))) continue;
            // Arguments are built in the order the kwargs were written, as Python evaluates them:
            // nested schedulers change the optimizer's lrs when they are built.
            var built = kwargs.ToDictionary(k => k.Name, k => Convert(k.Value, parameters.Single(p => p.Name == k.Name).ParameterType, optimizer));
            var args = parameters.Select(p =>
                built.TryGetValue(p.Name!, out var v) ? v
                : p.ParameterType == typeof(Optimizer) && p.Position == 0 ? optimizer
                : p.HasDefaultValue ? Type.Missing
                : throw new InvalidDataException($"{name}: no value for {p.Name}")).ToArray();
            try
            {
                return (LRScheduler)ctor.Invoke(BindingFlags.OptionalParamBinding, null, args, null);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
        }
        throw new InvalidDataException($"{name} has no constructor taking {string.Join(", ", kwargs.Select(k => k.Name))}");
    }

    /// <summary>PyTorch's snake_case argument name in C#'s camelCase: <c>T_max</c> → <c>tMax</c>, <c>step_size_up</c> → <c>stepSizeUp</c>.</summary>
    public static string CamelCase(string snake)
    {
        var parts = snake.Split('_', StringSplitOptions.RemoveEmptyEntries);
        return parts[0].ToLowerInvariant() + string.Concat(parts.Skip(1).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }

    private static bool IsNone(JsonNode? node) => node is JsonObject o && o.ContainsKey("none");

    /// <summary>Whether a JSON value can become an argument of <paramref name="type"/> (checked before anything is built).</summary>
    private static bool Fits(JsonNode? value, Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(Func<int, double>) || type == typeof(Func<double, double>)) return value is JsonObject o && (o.ContainsKey("fn") || IsNone(o));
        if (type == typeof(IReadOnlyList<Func<int, double>>)) return value is JsonArray;
        if (type == typeof(IReadOnlyList<LRScheduler>)) return value is JsonArray;
        if (type == typeof(Optimizer)) return value is JsonObject o2 && o2.ContainsKey("optimizer");
        if (type == typeof(PerGroup)) return value is JsonArray || value is JsonObject { } t && t.ContainsKey("tensor") || value is JsonValue;
        if (type == typeof(IEnumerable<int>) || type == typeof(IReadOnlyList<int>)) return value is JsonArray;
        if (type == typeof(int)) return value is JsonValue v && v.TryGetValue<int>(out _);
        if (type == typeof(double)) return value is JsonValue v2 && v2.TryGetValue<double>(out _);
        if (type == typeof(bool)) return value is JsonValue v3 && v3.TryGetValue<bool>(out _);
        if (type == typeof(string)) return value is JsonValue v4 && v4.TryGetValue<string>(out _);
        return false;
    }

    private static object? Convert(JsonNode? value, Type type, Optimizer optimizer)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsNone(value)) return null;
        if (type == typeof(Func<int, double>)) return EpochFunction(value!);
        if (type == typeof(Func<double, double>)) return ScaleFunction(value!);
        if (type == typeof(IReadOnlyList<Func<int, double>>)) return value!.AsArray().Select(f => IsNone(f) ? null! : EpochFunction(f!)).ToList();
        if (type == typeof(IReadOnlyList<LRScheduler>)) return value!.AsArray().Select(s => IsNone(s) ? null! : BuildScheduler(s!, optimizer)).ToList();
        if (type == typeof(Optimizer))
            return value!["optimizer"] is JsonValue same && same.GetValue<string>() == "same" ? optimizer : BuildOptimizer(value["optimizer"]!);
        if (type == typeof(PerGroup)) return PerGroupValue(value!);
        if (type == typeof(IEnumerable<int>) || type == typeof(IReadOnlyList<int>)) return value!.AsArray().Select(x => x!.GetValue<int>()).ToList();
        if (type == typeof(int)) return value!.GetValue<int>();
        if (type == typeof(double)) return Fixture.Number(value);
        if (type == typeof(bool)) return value!.GetValue<bool>();
        if (type == typeof(string)) return value!.GetValue<string>();
        throw new InvalidDataException($"cannot make a {type.Name} from {value}");
    }

    private static PerGroup PerGroupValue(JsonNode value) => value switch
    {
        JsonArray list => list.Select(v => v is JsonObject t ? (FloatOrTensor)Tensor(t) : (FloatOrTensor)Fixture.Number(v)).ToList(),
        JsonObject t => Tensor(t),
        _ => Fixture.Number(value),
    };

    /// <summary>The catalogue of lr_lambda functions shared with lr_scheduler.py's make_fn.</summary>
    public static Func<int, double> EpochFunction(JsonNode spec)
    {
        var f = ScaleFunction(spec);
        return epoch => f(epoch);
    }

    public static Func<double, double> ScaleFunction(JsonNode spec)
    {
        switch (spec["fn"]!.GetValue<string>())
        {
            case "power":
                double b = Fixture.Number(spec["base"]);
                return e => Math.Pow(b, e);
            case "constant":
                double c = Fixture.Number(spec["value"]);
                return _ => c;
            case "warmup_linear":
                int n = spec["n"]!.GetValue<int>();
                return e => Math.Min(1.0, (e + 1) / n);
            case "inverse":
                double a = Fixture.Number(spec["a"]);
                return x => 1.0 / (1.0 + a * x);
            case "floor_div":
                int d = spec["div"]!.GetValue<int>();
                return e => Math.Floor(e / d);
            case var other:
                throw new InvalidDataException($"unknown function {other}");
        }
    }
}
