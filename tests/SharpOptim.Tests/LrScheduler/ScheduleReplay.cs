using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.LrScheduler;

/// <summary>Where a resumed scheduler's state comes from in a replay.</summary>
public enum ResumeFrom
{
    /// <summary>SharpOptim's own StateDict() of the scheduler (and of the optimizer).</summary>
    OwnStateDict,

    /// <summary>The state dicts PyTorch wrote at that point, as recorded in the fixture.</summary>
    PyTorchStateDict,
}

/// <summary>
/// Replays one recorded case: builds the optimizer and scheduler, applies every operation, and
/// after each compares what PyTorch recorded — lrs, last lrs, last_epoch, momentum or betas[0],
/// warnings, state dicts — or checks that the operation fails as PyTorch's did, leaving the
/// optimizer and scheduler as they were.
/// </summary>
internal sealed class ScheduleReplay
{
    /// <summary>Param-group entries that schedulers own; their values are compared (the algorithm's own options are compared by key only).</summary>
    private static readonly HashSet<string> SchedulerGroupKeys = ["lr", "initial_lr", "momentum", "betas", "max_lr", "min_lr", "max_momentum", "base_momentum"];

    private readonly JsonObject _case;
    private readonly ResumeFrom _resumeFrom;
    private Optimizer _optimizer = null!;
    private LRScheduler _scheduler = null!;
    private OrderedDictionary<string, object?>? _savedScheduler;
    private OptimizerStateDict? _savedOptimizer;
    private JsonObject? _recordedSave;
    private JsonObject? _lastObserved;

    private ScheduleReplay(JsonObject testCase, ResumeFrom resumeFrom)
    {
        _case = testCase;
        _resumeFrom = resumeFrom;
    }

    /// <summary>The worst relative difference from PyTorch over the whole case.</summary>
    public double WorstError { get; private set; }

    public static ScheduleReplay Run(JsonObject testCase, ResumeFrom resumeFrom)
    {
        var replay = new ScheduleReplay(testCase, resumeFrom);
        replay.Run();
        return replay;
    }

    private void Run()
    {
        using var warnings = new ThreadWarnings();
        var trace = _case["trace"]!.AsArray();
        _optimizer = ScheduleSpec.BuildOptimizer(_case["optimizer"]!);
        var build = trace[0]!.AsObject();
        if (build["error"] is { } buildError)
        {
            var before = Describe(_optimizer);
            AssertFails(() => ScheduleSpec.BuildScheduler(_case["scheduler"]!, _optimizer), buildError, "build");
            // A failed construction leaves the optimizer as it was (nested schedulers built before
            // their container fails have rightly changed it, as in PyTorch).
            if (!_case["scheduler"]!["kwargs"]!.AsObject().ContainsKey("schedulers")) Assert.Equal(before, Describe(_optimizer));
            AssertWarnings(warnings, build, "build");
            return;
        }
        _scheduler = ScheduleSpec.BuildScheduler(_case["scheduler"]!, _optimizer);
        AssertWarnings(warnings, build, "build");
        Observe(build, "build");

        for (int k = 1; k < trace.Count; k++)
        {
            var record = trace[k]!.AsObject();
            var op = record["op"]!.AsObject();
            string where = $"op {k - 1} ({op.ToJsonString()})";
            if (record["error"] is { } error)
            {
                AssertFails(() => Apply(op, record, where), error, where);
                AssertWarnings(warnings, record, where);
                if (_lastObserved is not null) Observe(_lastObserved, where + " after the error");
                return;
            }
            Apply(op, record, where);
            AssertWarnings(warnings, record, where);
            if (op["op"]!.GetValue<string>() != "opt_step") Observe(record, where);
        }
    }

    private void Apply(JsonObject op, JsonObject record, string where)
    {
        switch (op["op"]!.GetValue<string>())
        {
            case "opt_step":
                _optimizer.Step();
                break;
            case "step":
                _scheduler.Step();
                break;
            case "step_epoch":
                var epoch = (JsonValue)op["epoch"]!;
                if (StateDictJson.ToValue(epoch) is int whole) _scheduler.Step(whole);
                else ((CosineAnnealingWarmRestarts)_scheduler).Step(epoch.GetValue<double>());
                break;
            case "step_metric":
                var plateau = (ReduceLROnPlateau)_scheduler;
                double metric = Fixture.Number(op["metric"]);
                if (op["epoch"] is { } metricEpoch) plateau.Step(metric, metricEpoch.GetValue<int>());
                else plateau.Step(metric);
                break;
            case "set_lr":
                _optimizer.ParamGroups[op["group"]!.GetValue<int>()]["lr"] = Fixture.Number(op["value"]);
                break;
            case "get_lr":
                var result = _scheduler.GetLr();
                Compare(result.Select(v => v.Value), record["result"], where + " get_lr()");
                break;
            case "add_param_group":
                _optimizer.AddParamGroup(new ParamGroup([Torch.Zeros([2], requiresGrad: true)]) { ["lr"] = Fixture.Number(op["lr"]) });
                break;
            case "append_min_lr":
                ((ReduceLROnPlateau)_scheduler).MinLrs.Add(Fixture.Number(op["value"]));
                break;
            case "save":
                _savedScheduler = _scheduler.StateDict();
                _savedOptimizer = _optimizer.StateDict().DeepCopy();
                _recordedSave = record;
                Track(StateDictJson.AssertSame(_savedScheduler, record["state_dict"], where + " state_dict"));
                AssertParamGroups(_savedOptimizer.ParamGroups, record["param_groups"]!.AsArray(), where);
                break;
            case "restore":
                var optimizer = ScheduleSpec.BuildOptimizer(_case["optimizer"]!);
                var scheduler = ScheduleSpec.BuildScheduler(_case["scheduler"]!, optimizer);
                optimizer.LoadStateDict(SavedOptimizer());
                scheduler.LoadStateDict(SavedScheduler());
                (_optimizer, _scheduler) = (optimizer, scheduler);
                break;
            case "rebuild":
                var resumedOptimizer = ScheduleSpec.BuildOptimizer(_case["optimizer"]!);
                resumedOptimizer.LoadStateDict(SavedOptimizer());
                var spec = _case["scheduler"]!.DeepClone();
                if (op["last_epoch"] is { } resumeEpoch) spec["kwargs"]!["last_epoch"] = resumeEpoch.DeepClone();
                (_optimizer, _scheduler) = (resumedOptimizer, ScheduleSpec.BuildScheduler(spec, resumedOptimizer));
                break;
            case "load_into":
                var other = ScheduleSpec.BuildScheduler(op["scheduler"]!, _optimizer);
                other.LoadStateDict(SavedScheduler());
                _scheduler = other;
                break;
            case var name:
                throw new InvalidDataException($"unknown op {name}");
        }
    }

    private OrderedDictionary<string, object?> SavedScheduler() => _resumeFrom == ResumeFrom.OwnStateDict
        ? _savedScheduler!
        : (OrderedDictionary<string, object?>)StateDictJson.ToValue(_recordedSave!["state_dict"])!;

    private OptimizerStateDict SavedOptimizer()
    {
        if (_resumeFrom == ResumeFrom.OwnStateDict) return _savedOptimizer!.DeepCopy();
        var groups = _recordedSave!["param_groups"]!.AsArray().Select(g => (OrderedDictionary<string, object?>)StateDictJson.ToValue(g)!).ToList();
        return new OptimizerStateDict(new OrderedDictionary<object, OrderedDictionary<string, object?>>(), groups);
    }

    /// <summary>Param groups after a scheduler wrote its entries: PyTorch's keys in PyTorch's order, the scheduler's entries with PyTorch's values.</summary>
    private void AssertParamGroups(List<OrderedDictionary<string, object?>> actual, JsonArray expected, string where)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int g = 0; g < expected.Count; g++)
        {
            var recorded = expected[g]!.AsObject();
            Assert.Equal(recorded.Select(kv => kv.Key).ToList(), actual[g].Keys.ToList());
            foreach (var (key, value) in recorded)
                if (SchedulerGroupKeys.Contains(key))
                    Track(StateDictJson.AssertSame(actual[g][key], value, $"{where} param_groups[{g}].{key}"));
        }
    }

    private void Observe(JsonObject record, string where)
    {
        var groups = _optimizer.ParamGroups;
        Compare(groups.Select(g => g.Lr), record["lr"], where + " lr");
        var tensorFlags = record["lr_is_tensor"]?.AsArray().Select(x => x!.GetValue<bool>()).ToList() ?? groups.Select(_ => false).ToList();
        Assert.Equal(tensorFlags, groups.Select(g => g["lr"] is Tensor).ToList());
        Compare(_scheduler.GetLastLr().Select(v => v.Value), record["last_lr"], where + " get_last_lr()");
        if (record["last_epoch"] is { } lastEpoch) Assert.True(lastEpoch.GetValue<int>() == _scheduler.LastEpoch, $"{where}: last_epoch {_scheduler.LastEpoch}, PyTorch {lastEpoch}");
        else Assert.Throws<InvalidOperationException>(() => _scheduler.LastEpoch);
        if (record["momentum"] is { } momentum) Compare(groups.Select(g => g.GetDouble("momentum")), momentum, where + " momentum");
        if (record["beta1"] is { } beta1) Compare(groups.Select(g => g.GetPair("betas").Item1), beta1, where + " betas[0]");
        _lastObserved = record;
    }

    private void Compare(IEnumerable<double> actual, JsonNode? expected, string what)
    {
        var values = actual.ToList();
        var recorded = Fixture.Numbers(expected);
        Assert.True(recorded.Length == values.Count, $"{what}: {values.Count} values, PyTorch {recorded.Length}");
        for (int i = 0; i < recorded.Length; i++) Track(StateDictJson.Close(values[i], recorded[i], $"{what}[{i}]"));
    }

    private void Track(double error) => WorstError = Math.Max(WorstError, error);

    private static void AssertWarnings(ThreadWarnings warnings, JsonObject record, string where)
    {
        var expected = record["warnings"]?.AsArray().Select(w => $"{w!["type"]!.GetValue<string>()}: {w["message"]!.GetValue<string>()}").ToList() ?? [];
        var actual = warnings.Take();
        Assert.True(expected.SequenceEqual(actual), $"{where}: warnings differ from PyTorch's:\n  PyTorch: {string.Join(" | ", expected)}\n  SharpOptim: {string.Join(" | ", actual)}");
    }

    /// <summary>PyTorch's exception type in .NET terms (see docs/ARCHITECTURE.md), and its message.</summary>
    private static void AssertFails(Action action, JsonNode error, string where)
    {
        string type = error["type"]!.GetValue<string>();
        string message = error["message"]!.GetValue<string>();
        var ex = Assert.ThrowsAny<Exception>(action);
        bool typeMatches = type switch
        {
            "ValueError" or "TypeError" => ex is ArgumentException,
            "KeyError" => ex is ArgumentException or KeyNotFoundException,
            "RuntimeError" or "NotImplementedError" => ex is InvalidOperationException,
            "ZeroDivisionError" => ex is DivideByZeroException,
            _ => false,
        };
        Assert.True(typeMatches, $"{where}: PyTorch raised {type}, SharpOptim threw {ex.GetType().Name}: {ex.Message}");
        Assert.True(ex.Message.Contains(message, StringComparison.Ordinal), $"{where}: PyTorch's message\n  {message}\nnot in\n  {ex.Message}");
    }

    /// <summary>Every group's options as text, to check that a failed construction changed nothing.</summary>
    private static List<string> Describe(Optimizer optimizer)
        => optimizer.ParamGroups.Select(g => string.Join("; ", g.Select(kv => $"{kv.Key}={ValueText(kv.Value)}"))).ToList();

    private static string ValueText(object? value) => value switch
    {
        Tensor t => $"tensor#{RuntimeHelpers.GetHashCode(t)}({t.Item().ToString("R", CultureInfo.InvariantCulture)})",
        ITuple tuple => "(" + string.Join(", ", Enumerable.Range(0, tuple.Length).Select(i => ValueText(tuple[i]))) + ")",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "None",
    };
}
