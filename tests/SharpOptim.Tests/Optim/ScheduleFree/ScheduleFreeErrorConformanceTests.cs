using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim.ScheduleFree;

/// <summary>
/// The cases both schedule-free optimizers share, recorded from the reference by
/// tools/golden/schedulefree.py as <c>&lt;prefix&gt;_...</c>: a step outside train mode, the step
/// checking only the first group's mode, switching before any state exists, the empty states
/// train()/eval() leave, the default group and the repr.
/// </summary>
internal static class ScheduleFreeRecordedCases
{
    /// <summary>Builds the optimizer under test over <paramref name="groups"/> (tensors or groups) with an lr (null: its default).</summary>
    public delegate ScheduleFreeOptimizer Factory(OptimizerParams groups, double? lr = null);

    /// <param name="fixture">The error fixture.</param>
    /// <param name="prefix">The cases' prefix.</param>
    /// <param name="build">The optimizer under test.</param>
    /// <param name="floatOptions">The options the reference's defaults hold as Python floats (its repr writes them with a <c>.0</c>).</param>
    public static Dictionary<string, Action> For(string fixture, string prefix, Factory build, string[] floatOptions) => new()
    {
        [$"{prefix}_step_before_train"] = () =>
        {
            var p = ErrorSetups.AnyParam();
            var optimizer = build([p]);
            p.Grad = Torch.OnesLike(p);
            optimizer.Step();
        },
        [$"{prefix}_step_after_eval"] = () =>
        {
            var p = ErrorSetups.AnyParam();
            var optimizer = build([p]);
            optimizer.Train();
            p.Grad = Torch.OnesLike(p);
            optimizer.Step();
            optimizer.Eval();
            optimizer.Step();
        },
        [$"{prefix}_step_checks_first_group_only"] = () =>
        {
            var a = new Parameter(Torch.Tensor([1f, -2f]));
            var b = new Parameter(Torch.Tensor([0.5f]));
            var optimizer = build([new ParamGroup([a]), new ParamGroup([b])], lr: 0.1);
            optimizer.Train();
            optimizer.ParamGroups[1]["train_mode"] = false;
            for (int k = 0; k < 2; k++)
            {
                a.Grad = Torch.Tensor([0.3f, -0.2f]);
                b.Grad = Torch.Tensor([0.4f]);
                optimizer.Step();
            }
            RecordedResult.AssertMatches(RecordedResult.Of(fixture, $"{prefix}_step_checks_first_group_only"),
                new object?[] { a, b, optimizer.ParamGroups[1]["train_mode"] }, prefix);
        },
        [$"{prefix}_repr"] = () => Assert.Equal(RecordedResult.Of(fixture, $"{prefix}_repr").GetValue<string>(),
            AsPythonFloats(build([ErrorSetups.AnyParam()]).ToString(), floatOptions)),
        [$"{prefix}_default_group"] = () =>
        {
            var expected = RecordedResult.Of(fixture, $"{prefix}_default_group").AsObject();
            var group = build([ErrorSetups.AnyParam()]).ParamGroups[0];
            Assert.Equal(expected.Select(kv => kv.Key), group.Keys);
            foreach (var (key, value) in expected) StateDictCheck.AssertOptionEqual(group[key], value, key);
        },
        [$"{prefix}_train_before_step_state_dict"] = () =>
        {
            var optimizer = build([ErrorSetups.AnyParam(1), ErrorSetups.AnyParam(2)]);
            optimizer.Train();
            StateDictCheck.AssertMatches(optimizer.StateDict(), RecordedResult.Of(fixture, $"{prefix}_train_before_step_state_dict").AsObject(), DType.Float32);
        },
        [$"{prefix}_modes_before_step"] = () =>
        {
            var p = ErrorSetups.AnyParam();
            var before = p.Clone();
            var optimizer = build([p]);
            optimizer.Eval();
            optimizer.Train();
            optimizer.Eval();
            Tolerance.AssertIdentical(p, before, "p");
            Assert.Equal(RecordedResult.Of(fixture, $"{prefix}_modes_before_step")[2]!.GetValue<bool>(), optimizer.IsTrainMode);
        },
    };

    /// <summary>
    /// Our repr with the options Python holds as floats spelled as Python spells them: our numbers
    /// are doubles, written without a trailing <c>.0</c> (as an int default such as
    /// <c>weight_decay: 0</c> prints); the reference's integral floats keep it.
    /// </summary>
    private static string AsPythonFloats(string ours, string[] floatOptions)
    {
        foreach (var key in floatOptions)
            ours = System.Text.RegularExpressions.Regex.Replace(ours, $@"(\n    {key}: -?\d+)\n", "$1.0\n");
        return ours;
    }
}

/// <summary>Schedule-Free AdamW's recorded cases (adamw_schedulefree_errors.json), and its own constructor checks.</summary>
public class AdamWScheduleFreeErrorConformanceTests : RecordedErrorConformance<AdamWScheduleFreeErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "adamw_schedulefree_errors.json";

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = ScheduleFreeRecordedCases.For(ErrorFixture, "adamw_schedulefree",
        (groups, lr) => new AdamWScheduleFree(groups, lr),
        ["lr", "lr_max", "r", "scheduled_lr", "weight_sum", "inner_momentum", "weight_lr_power"]);
}

/// <summary>Schedule-Free SGD's recorded cases (sgd_schedulefree_errors.json), its constructor checks among them.</summary>
public class SGDScheduleFreeErrorConformanceTests : RecordedErrorConformance<SGDScheduleFreeErrorConformanceTests>, IRecordedErrors
{
    public static string ErrorFixture => "sgd_schedulefree_errors.json";

    private static readonly Parameter P = ErrorSetups.AnyParam();

    public static IReadOnlyDictionary<string, Action> ErrorCases { get; } = new Dictionary<string, Action>(
        ScheduleFreeRecordedCases.For(ErrorFixture, "sgd_schedulefree", (groups, lr) => new SGDScheduleFree(groups, lr),
        ["lr", "lr_max", "r", "scheduled_lr", "weight_sum"]))
    {
        ["sgd_schedulefree_negative_lr"] = () => _ = new SGDScheduleFree([P], lr: -0.1),
        ["sgd_schedulefree_nan_lr"] = () => _ = new SGDScheduleFree([P], lr: double.NaN),
        ["sgd_schedulefree_negative_weight_decay"] = () => _ = new SGDScheduleFree([P], weightDecay: -0.5),
        ["sgd_schedulefree_momentum_zero"] = () => _ = new SGDScheduleFree([P], momentum: 0.0),
        ["sgd_schedulefree_momentum_one"] = () => _ = new SGDScheduleFree([P], momentum: 1.0),
        ["sgd_schedulefree_nan_momentum"] = () => _ = new SGDScheduleFree([P], momentum: double.NaN),
    };
}
