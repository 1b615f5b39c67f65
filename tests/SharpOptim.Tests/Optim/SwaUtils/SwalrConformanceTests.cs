using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Optim.SwaUtils;
using SharpOptim.Tests.Golden;
using Xunit;
using static SharpOptim.Tests.Optim.SwaUtils.SchedulerState;

namespace SharpOptim.Tests.Optim.SwaUtils;

/// <summary>
/// SWALR against PyTorch (swa_swalr.json.gz): the learning rates after construction and after
/// every step for both strategies, several annealing lengths, one or per-group SWA rates, a plain
/// and a tensor lr; resuming with lastEpoch and with LoadStateDict; the state dict; and the SWALR
/// tests of PyTorch's test_lrscheduler.py.
/// </summary>
public class SwalrConformanceTests
{
    private const string File = "swa_swalr.json.gz";

    /// <summary>SGD over two params: lr 0.05 (the default) and 0.5, a float32 0-d tensor for "float_tensor" (PyTorch's test setUp).</summary>
    internal static SGD Optimizer(string groupKind)
    {
        var p1 = new Parameter(Torch.Zeros(2));
        var p2 = new Parameter(Torch.Zeros(2));
        object second = groupKind == "float_tensor" ? Torch.Tensor(0.5) : 0.5;
        return new SGD([new ParamGroup([p1]), new ParamGroup([p2]) { ["lr"] = second }], lr: 0.05);
    }

    private static SWALR Make(Optimizer optimizer, JsonNode kwargs)
    {
        int annealEpochs = kwargs["anneal_epochs"]!.GetValue<int>();
        string strategy = kwargs["anneal_strategy"]!.GetValue<string>();
        int lastEpoch = kwargs["last_epoch"]?.GetValue<int>() ?? -1;
        return kwargs["swa_lr"] is JsonArray list
            ? new SWALR(optimizer, Fixture.Numbers(list), annealEpochs, strategy, lastEpoch)
            : new SWALR(optimizer, Fixture.Number(kwargs["swa_lr"]), annealEpochs, strategy, lastEpoch);
    }

    /// <summary>optimizer.Step() then scheduler.Step(), checking the groups' lr and GetLastLr after each.</summary>
    private static void RunAndCheck(SGD optimizer, SWALR scheduler, JsonNode? lrs, JsonNode? lastLrs, string id, int first = 1)
    {
        var expected = lrs!.AsArray();
        for (int k = first; k < expected.Count; k++)
        {
            optimizer.Step();
            scheduler.Step();
            AssertGroupLrs(optimizer, expected[k], $"{id} lr after step {k}");
            AssertLrs(scheduler.GetLastLr().Cast<object?>(), lastLrs![k], $"{id} get_last_lr after step {k}");
        }
    }

    private static void AssertGroupExtras(Optimizer optimizer, JsonNode? expected, string id)
    {
        var want = expected!.AsArray();
        for (int g = 0; g < want.Count; g++)
            foreach (var (key, value) in want[g]!.AsObject())
                AssertLr(optimizer.ParamGroups[g][key], value, $"{id} group {g} {key}");
    }

    public static IEnumerable<object[]> Sequences() => SwaFixture.CaseIds(File, "sequences");

    [Theory]
    [MemberData(nameof(Sequences))]
    public void LearningRatesMatchPyTorch(string id)
    {
        var c = SwaFixture.Case(File, id, "sequences");
        var optimizer = Optimizer(c["group_kind"]!.GetValue<string>());
        SWALR? scheduler = null;
        var warnings = WarningsOf(() =>
        {
            scheduler = Make(optimizer, c["kwargs"]!);
            AssertGroupLrs(optimizer, c["lrs"]![0], $"{id} lr after construction");
            AssertLrs(scheduler.GetLastLr().Cast<object?>(), c["last_lrs"]![0], $"{id} get_last_lr after construction");
            RunAndCheck(optimizer, scheduler, c["lrs"], c["last_lrs"], id);
        });
        Assert.Empty(warnings); // PyTorch warned about nothing either (checked when recording)
        AssertGroupExtras(optimizer, c["group_extras"], id);
        AssertState(scheduler!.StateDict(), c["state_dict"], $"{id} state_dict");
    }

    public static IEnumerable<object[]> Resumes() => SwaFixture.CaseIds(File, "resume");

    [Theory]
    [MemberData(nameof(Resumes))]
    public void ResumingMatchesPyTorch(string id)
    {
        var c = SwaFixture.Case(File, id, "resume");
        var kind = c["group_kind"]!.GetValue<string>();
        var optimizer = Optimizer(kind);
        var first = Make(optimizer, c["first"]!["kwargs"]!);
        for (int k = 0; k < c["first"]!["steps"]!.GetValue<int>(); k++)
        {
            optimizer.Step();
            first.Step();
        }
        SWALR resumed;
        if (id.StartsWith("last_epoch/", StringComparison.Ordinal))
        {
            var groups = c["groups_at_save"]!.AsArray();
            for (int g = 0; g < groups.Count; g++)
                foreach (var key in new[] { "lr", "swa_lr", "initial_lr" })
                    AssertLr(optimizer.ParamGroups[g][key], groups[g]![key], $"{id} group {g} {key} at save");
            resumed = Make(optimizer, c["kwargs"]!);
            AssertState(resumed.StateDict(), c["state_dict_after_construction"], $"{id} state after construction");
        }
        else
        {
            AssertState(first.StateDict(), c["saved_state_dict"], $"{id} saved state");
            resumed = Make(optimizer, c["kwargs"]!);
            AssertGroupLrs(optimizer, c["lrs_after_other_construction"], $"{id} lr after the other scheduler's construction");
            resumed.LoadStateDict(Dict(c["saved_state_dict"])); // PyTorch's own dict
            AssertState(resumed.StateDict(), c["state_dict_after_load"], $"{id} state after load");
            Assert.Equal(c["saved_state_dict"]!["_anneal_strategy"]!.GetValue<string>(), resumed.AnnealStrategy);
        }
        AssertGroupLrs(optimizer, c["lrs"]![0], $"{id} lr before stepping on");
        RunAndCheck(optimizer, resumed, c["lrs"], c["last_lrs"], id);
        AssertState(resumed.StateDict(), c["state_dict"], $"{id} final state");
    }

    [Theory]
    [InlineData("float_float")]
    [InlineData("float_tensor")]
    public void OurOwnStateDictResumesLikePyTorchs(string kind)
    {
        var c = SwaFixture.Case(File, $"load_state_dict/{kind}", "resume");
        var optimizer = Optimizer(kind);
        var first = Make(optimizer, c["first"]!["kwargs"]!);
        for (int k = 0; k < 4; k++)
        {
            optimizer.Step();
            first.Step();
        }
        var saved = first.StateDict();
        var other = Make(optimizer, c["kwargs"]!);
        other.LoadStateDict(saved);
        AssertState(other.StateDict(), c["state_dict_after_load"], "after loading our own dict");
        RunAndCheck(optimizer, other, c["lrs"], c["last_lrs"], "resumed from our own dict");
    }

    public static IEnumerable<object[]> Ported() => SwaFixture.CaseIds(File, "ported");

    /// <summary>
    /// test_swalr_no_anneal and test_swalr_cosine/linear_anneal_after_multiplicative: before SWA
    /// starts, MultiplicativeLR(0.9) drives the rate (emulated: it multiplies each group's lr by 0.9
    /// per step, a tensor lr in place); the rate seen at the start of every epoch must be
    /// PyTorch's, and within the test's atol 1e-5 of its closed-form targets.
    /// </summary>
    [Theory]
    [MemberData(nameof(Ported))]
    public void PyTorchsSwalrTests(string id)
    {
        var c = SwaFixture.Case(File, id, "ported");
        var optimizer = Optimizer("float_tensor");
        double? factor = c["multiplicative"]?.GetValue<double>();
        if (factor is not null)
            foreach (var group in optimizer.ParamGroups)
                group.SetDefault("initial_lr", group["lr"] is Tensor t ? t.Clone() : group["lr"]); // MultiplicativeLR's constructor
        var swa = Make(optimizer, c["kwargs"]!);
        int swaStart = c["swa_start"]!.GetValue<int>();
        var lrs = c["lrs"]!.AsArray();
        var targets = c["targets"]!.AsArray();
        for (int epoch = 0; epoch < c["epochs"]!.GetValue<int>(); epoch++)
        {
            AssertGroupLrs(optimizer, lrs[epoch], $"{id} epoch {epoch}");
            for (int g = 0; g < targets.Count; g++)
                Assert.True(Math.Abs(Fixture.Number(targets[g]![epoch]) - optimizer.ParamGroups[g].Lr) <= 1e-5, $"{id} epoch {epoch} group {g}: the test's target");
            if (epoch >= swaStart)
            {
                optimizer.Step();
                swa.Step();
            }
            else if (factor is double f)
            {
                optimizer.Step();
                foreach (var group in optimizer.ParamGroups)
                {
                    if (group["lr"] is Tensor t) t.Mul_(f);
                    else group["lr"] = group.Lr * f;
                }
            }
        }
    }

    /// <summary>test_swa_lr_state_dict: a scheduler's dict loaded into one built with other settings.</summary>
    [Fact]
    public void PyTorchsStateDictTest()
    {
        var c = Fixture.Load(File)["state_dict_test"]!;
        var optimizer = Optimizer("float_tensor");
        var scheduler = Make(optimizer, c["first"]!);
        for (int k = 0; k < c["steps"]!.GetValue<int>(); k++)
        {
            optimizer.Step();
            scheduler.Step();
        }
        var copy = Make(optimizer, c["second"]!);
        copy.LoadStateDict(scheduler.StateDict());
        AssertState(scheduler.StateDict(), c["state_dict"], "scheduler");
        AssertState(copy.StateDict(), c["copy_state_dict"], "copy");
        // The test's own check: every attribute equal, and get_last_lr.
        AssertSameState(copy.StateDict(), scheduler.StateDict(), "copy against scheduler");
        Assert.Equal(scheduler.AnnealStrategy, copy.AnnealStrategy);
        AssertLrs(copy.GetLastLr().Cast<object?>(), c["copy_last_lr"], "copy get_last_lr");
        AssertLrs(scheduler.GetLastLr().Cast<object?>(), c["last_lr"], "get_last_lr");
        AssertGroupLrs(optimizer, c["lrs_after"], "group lrs");
        AssertGroupExtras(optimizer, c["group_extras"], "groups");
    }

    [Fact]
    public void UnknownStateKeysAreKeptAndWrittenBack()
    {
        var optimizer = Optimizer("float_float");
        var scheduler = new SWALR(optimizer, swaLr: 0.1);
        scheduler.LoadStateDict(new Dictionary<string, object?> { ["my_counter"] = 3, ["last_epoch"] = 7 });
        var state = scheduler.StateDict();
        Assert.Equal("my_counter", state.Keys.Last());
        Assert.Equal(3, state["my_counter"]);
        Assert.Equal(7, scheduler.LastEpoch);
    }

    [Fact]
    public void ABadStateDictChangesNothing()
    {
        var optimizer = Optimizer("float_float");
        var scheduler = new SWALR(optimizer, swaLr: 0.1, annealEpochs: 3);
        var before = scheduler.StateDict();
        var bad = new Dictionary<string, object?> { ["anneal_epochs"] = 5, ["last_epoch"] = 2, ["_last_lr"] = new List<object?> { 0.1, "x" } };
        Assert.Throws<ArgumentException>(() => scheduler.LoadStateDict(bad));
        Assert.Throws<ArgumentException>(() => scheduler.LoadStateDict(new Dictionary<string, object?> { ["_anneal_strategy"] = "exp", ["last_epoch"] = 2 }));
        AssertSameState(scheduler.StateDict(), before, "after the failed loads");
    }

    [Fact]
    public void InvalidArgumentsLeaveTheGroupsUntouched()
    {
        var optimizer = Optimizer("float_float");
        var keys = optimizer.ParamGroups.Select(g => g.Keys.ToList()).ToList();
        Assert.Throws<ArgumentException>(() => new SWALR(optimizer, swaLr: 0.1, annealStrategy: "exponential"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SWALR(optimizer, swaLr: 0.1, annealEpochs: -1));
        Assert.Throws<ArgumentException>(() => new SWALR(optimizer, swaLr: 0.1, lastEpoch: 3));
        Assert.Equal(keys, optimizer.ParamGroups.Select(g => g.Keys.ToList()).ToList());
        Assert.Equal([0.05, 0.5], optimizer.ParamGroups.Select(g => g.Lr));
    }
}
