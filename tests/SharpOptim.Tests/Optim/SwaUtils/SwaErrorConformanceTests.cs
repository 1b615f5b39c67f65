using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Optim.SwaUtils;
using SharpOptim.Tests.Golden;
using Xunit;
using static SharpOptim.Optim.SwaUtils.Swa;

namespace SharpOptim.Tests.Optim.SwaUtils;

/// <summary>
/// PyTorch's errors, warnings and edge results for swa_utils and torch._foreach_*
/// (swa_errors.json): each recorded case is reproduced in C# and must fail with PyTorch's
/// message, warn with PyTorch's warning, or succeed with PyTorch's result. Cases that fail must
/// also leave every object as it was.
/// </summary>
public class SwaErrorConformanceTests
{
    private const string File = "swa_errors.json";

    /// <summary><c>anneal_epochs=1.7</c>: an int parameter cannot receive it in C#.</summary>
    private static readonly HashSet<string> PreventedByTypes = ["swalr_anneal_epochs_float"];

    /// <summary>
    /// Shape mismatches in the tensor layer are ArgumentExceptions (a bad argument), with PyTorch's
    /// message; PyTorch raises them as RuntimeError.
    /// </summary>
    private static readonly HashSet<string> ShapeErrors = ["foreach_shape_mismatch", "foreach_copy_shape_mismatch"];

    private static SGD TwoGroups()
        => new([new ParamGroup([new Parameter(Torch.Zeros(1, 1))]), new ParamGroup([new Parameter(Torch.Zeros(1, 1))])], lr: 0.1);

    private static Sequential MlpBn() => new(new Linear(2, 3), new BatchNorm1d(3));

    private static readonly Dictionary<string, Func<object?>> Cases = new()
    {
        ["swalr_anneal_strategy_invalid"] = () => new SWALR(TwoGroups(), swaLr: 1.0, annealStrategy: "exponential"),
        ["swalr_anneal_epochs_negative"] = () => new SWALR(TwoGroups(), swaLr: 1.0, annealEpochs: -1),
        ["swalr_swa_lr_list_length"] = () => new SWALR(TwoGroups(), swaLr: [1.0, 0.1, 0.01]),
        ["swalr_resume_without_initial_lr"] = () => new SWALR(TwoGroups(), swaLr: 0.1, lastEpoch: 3),
        ["swalr_step_before_optimizer_step"] = () =>
        {
            new SWALR(TwoGroups(), swaLr: 0.1).Step();
            return null;
        },
        ["swalr_get_lr_outside_step"] = () => new SWALR(TwoGroups(), swaLr: 0.1).GetLr().Select(x => (object?)x.Value).ToList(),
        ["swalr_step_with_epoch"] = () =>
        {
            var opt = TwoGroups();
            var s = new SWALR(opt, swaLr: 0.1, annealEpochs: 4);
            opt.Step();
            s.Step(3);
            return opt.ParamGroups.Select(g => (object?)g.Lr).Append(s.LastEpoch).ToList();
        },
        ["swalr_no_warning_in_order"] = () =>
        {
            var opt = TwoGroups();
            var s = new SWALR(opt, swaLr: 0.1);
            for (int i = 0; i < 3; i++)
            {
                opt.Step();
                s.Step();
            }
            return s.GetLastLr().Select(x => (object?)x.Value).ToList();
        },
        ["averaged_model_both_avg_fns"] = () => new AveragedModel(new Linear(2, 2), avgFn: GetSwaAvgFn(), multiAvgFn: GetSwaMultiAvgFn()),
        ["averaged_model_buffer_count_mismatch"] = () =>
        {
            var swa = new AveragedModel(MlpBn());
            AssertUnchangedOnError(swa, () => swa.UpdateParameters(new Sequential(new Linear(2, 3))));
            return null;
        },
        ["swa_multi_avg_fn_integer_buffers"] = () =>
        {
            var model = MlpBn();
            var swa = new AveragedModel(model, multiAvgFn: GetSwaMultiAvgFn(), useBuffers: true);
            model.Forward(Torch.Randn(4, 2));
            swa.UpdateParameters(model);
            model.Forward(Torch.Randn(4, 2));
            AssertUnchangedOnError(swa, () => swa.UpdateParameters(model));
            return null;
        },
        ["swa_multi_avg_fn_integer_count"] = () =>
        {
            GetSwaMultiAvgFn()([Torch.Tensor([1L])], [Torch.Tensor([3L])], 1);
            return null;
        },
        ["swa_multi_avg_fn_integer_tensor_count"] = () =>
        {
            GetSwaMultiAvgFn()([Torch.Tensor([1L])], [Torch.Tensor([3L])], Torch.Scalar(1, DType.Int64));
            return null;
        },
        ["ema_multi_avg_fn_decay_above_one"] = () => GetEmaMultiAvgFn(1.5),
        ["ema_avg_fn_decay_negative"] = () => GetEmaAvgFn(-0.1),
        ["ema_avg_fn_decay_bounds_ok"] = () =>
        {
            GetEmaAvgFn(0.0);
            GetEmaMultiAvgFn(1.0);
            return null;
        },
        ["swa_multi_avg_fn_integer_count_float_params"] = () =>
        {
            Tensor[] a = [Torch.Tensor([1f, 2f])];
            GetSwaMultiAvgFn()(a, [Torch.Tensor([4f, 8f])], 2);
            return a[0];
        },
        ["update_bn_no_batchnorm"] = () =>
        {
            int started = 0;
            IEnumerable<Tensor> Loader()
            {
                started++;
                yield return Torch.Zeros(2, 2);
            }
            var m = new Sequential(new Linear(2, 2));
            m.Eval();
            UpdateBn(Loader(), m);
            return new List<object?> { m.Training, started };
        },
        ["foreach_empty_list"] = () => Void(() => Torch.ForEach.Add_([], 1.0)),
        ["foreach_length_mismatch"] = () => Void(() => Torch.ForEach.Add_([Torch.Zeros(2)], [Torch.Zeros(2), Torch.Zeros(2)])),
        ["foreach_scalar_list_length"] = () => Void(() => Torch.ForEach.Mul_([Torch.Zeros(2)], [1.0, 2.0])),
        ["foreach_lerp_scalar_list_length"] = () => Void(() => Torch.ForEach.Lerp_([Torch.Zeros(2)], [Torch.Ones(2)], [0.5, 0.2])),
        ["foreach_scalar_tensor_not_0d"] = () => Void(() => Torch.ForEach.Mul_([Torch.Zeros(2)], Torch.Ones(1))),
        ["foreach_shape_mismatch"] = () => Void(() => Torch.ForEach.Add_([Torch.Zeros(2)], [Torch.Zeros(3)])),
        ["foreach_copy_shape_mismatch"] = () => Void(() => Torch.ForEach.Copy_([Torch.Zeros(2)], [Torch.Zeros(3)])),
        ["foreach_leaf_requires_grad"] = () => Void(() => Torch.ForEach.Add_([new Parameter(Torch.Randn(1, 1))], 1.0)),
        ["foreach_broadcast_ok"] = () =>
        {
            Tensor[] a = [Torch.Zeros(2), Torch.Ones(3)];
            Torch.ForEach.Add_(a, [Torch.Tensor([2f]), Torch.Tensor(3.0)], alpha: 0.5);
            return a.Cast<object?>().ToList();
        },
    };

    private static object? Void(Action action)
    {
        action();
        return null;
    }

    /// <summary>Runs a failing update and checks the averaged model's state is exactly what it was.</summary>
    private static void AssertUnchangedOnError(AveragedModel swa, Action update)
    {
        var before = swa.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        try { update(); }
        finally
        {
            foreach (var (key, value) in swa.StateDict()) Tolerance.AssertIdentical(value, before[key], $"{key} after a failed update");
        }
    }

    public static IEnumerable<object[]> Recorded()
        => Fixture.Load(File).AsArray().Select(c => new object[] { c!["name"]!.GetValue<string>() });

    [Theory]
    [MemberData(nameof(Recorded))]
    public void BehavesAsPyTorch(string name)
    {
        var record = Fixture.Load(File).AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
        if (PreventedByTypes.Contains(name)) return;
        Assert.True(Cases.ContainsKey(name), $"no C# reproduction for recorded case {name}");
        object? result = null;
        switch (record["kind"]!.GetValue<string>())
        {
            case "error":
                var ex = Assert.ThrowsAny<Exception>(() => Cases[name]());
                Assert.Contains(record["message"]!.GetValue<string>(), ex.Message);
                Assert.IsAssignableFrom(ExceptionTypeFor(name, record["type"]!.GetValue<string>()), ex);
                return;
            case "warning":
                var warnings = SchedulerState.WarningsOf(() => result = Cases[name]());
                Assert.Contains(warnings, w => w.Message == record["message"]!.GetValue<string>() && w.Category == record["type"]!.GetValue<string>());
                break;
            default:
                Assert.Empty(SchedulerState.WarningsOf(() => result = Cases[name]()));
                break;
        }
        if (record["result"] is { } expected) AssertResult(result, expected, name);
    }

    private static Type ExceptionTypeFor(string name, string pythonType) => pythonType switch
    {
        _ when ShapeErrors.Contains(name) => typeof(ArgumentException),
        "ValueError" or "TypeError" or "KeyError" or "AssertionError" => typeof(ArgumentException),
        "RuntimeError" => typeof(InvalidOperationException),
        _ => typeof(Exception),
    };

    private static void AssertResult(object? actual, JsonNode expected, string what)
    {
        switch (expected)
        {
            case JsonArray list:
                var items = Assert.IsAssignableFrom<IList<object?>>(actual);
                Assert.Equal(list.Count, items.Count);
                for (int i = 0; i < list.Count; i++) AssertResult(items[i], list[i]!, $"{what}[{i}]");
                break;
            case JsonObject tensor:
                SwaFixture.AssertTensor(Assert.IsAssignableFrom<Tensor>(actual), tensor, what);
                break;
            default:
                if (SchedulerState.FromJson(expected) is double) SchedulerState.AssertLr(actual, expected, what);
                else Assert.Equal(SchedulerState.FromJson(expected), actual);
                break;
        }
    }
}
