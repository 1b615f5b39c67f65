using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim.ScheduleFree;

/// <summary>A schedule-free optimizer as the modes suite builds it from a recorded group layout.</summary>
public interface IScheduleFreeModes
{
    /// <summary>The fixture prefix: <c>&lt;prefix&gt;_modes.sofx</c>.</summary>
    static abstract string FixturePrefix { get; }

    /// <summary>Our optimizer over <paramref name="groups"/> with <c>foreach</c> as <paramref name="path"/> says (the constructor's default on "default").</summary>
    static abstract ScheduleFreeOptimizer Build(ParamGroup[] groups, OptimizerPath path);
}

/// <summary>
/// Train/eval switches against the reference (<c>&lt;prefix&gt;_modes.sofx</c>, tools/golden/schedulefree.py):
/// two param groups with different options, 100 steps of recorded gradients, train()/eval() mid-run
/// (the parameters and groups after each switch, a repeated switch doing nothing), and a checkpoint
/// taken in eval mode after step 50, whose state dict must be the reference's and which, reloaded
/// into a fresh optimizer over the saved (x) weights, put in train mode and continued, must give
/// the reference's trajectory: through our own state dict, through a .pt file, and from the
/// reference's state dict. On every path.
/// </summary>
public abstract class ScheduleFreeModesConformance<T> where T : IScheduleFreeModes
{
    private static string FixtureName => $"{T.FixturePrefix}_modes.sofx";

    public static IEnumerable<object[]> Cases()
        => from c in Fixture.Load(FixtureName)["cases"]!.AsArray()
           from path in OptimizerPath.All
           select new object[] { c!["id"]!.GetValue<string>(), path.Name };

    private static JsonObject Case(string id)
        => Fixture.Load(FixtureName)["cases"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!.AsObject();

    /// <summary>The whole run with its switches, checking the reference's state dict at the checkpoint.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void SwitchesMidRunFollowTheReference(string id, string path)
    {
        var (run, _) = Start(Case(id), OptimizerPath.Named(path));
        var expected = run.AsOurPath(run.Recorded["checkpoint"]!["state_dict"]!["param_groups"]!.AsArray());
        run.Continue(from: 0, checkpoint: sd => StateDictCheck.AssertMatches(sd, new JsonObject
        {
            ["state"] = run.Recorded["checkpoint"]!["state_dict"]!["state"]!.DeepClone(),
            ["param_groups"] = expected,
        }, run.DType, run.Tolerance));
    }

    /// <summary>Our state dict at the eval-mode checkpoint, loaded into a fresh optimizer and continued.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void CheckpointInEvalModeResumesAsTheReference(string id, string path)
    {
        var testCase = Case(id);
        var (run, _) = Start(testCase, OptimizerPath.Named(path));
        OptimizerStateDict? saved = null;
        run.Continue(from: 0, to: CheckpointStep(testCase), checkpoint: sd => saved = sd.DeepCopy());
        Resume(testCase, OptimizerPath.Named(path), resumed => resumed.LoadStateDict(saved!));
    }

    /// <summary>The checkpoint through a PyTorch-format file, as examples/Train saves and resumes it.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void CheckpointFileInEvalModeResumesAsTheReference(string id, string path)
    {
        var testCase = Case(id);
        var (run, problem) = Start(testCase, OptimizerPath.Named(path));
        var file = new MemoryStream();
        run.Continue(from: 0, to: CheckpointStep(testCase), checkpoint: sd => Torch.Save(new OrderedDictionary<string, object?>
        {
            ["params"] = problem.Params.ToList(),
            ["optimizer"] = sd,
        }, file));
        file.Position = 0;
        var loaded = Torch.Load<IReadOnlyDictionary<string, object?>>(file);
        var savedParams = Assert.IsAssignableFrom<IEnumerable<object?>>(loaded["params"]).Cast<Tensor>().ToArray();
        for (int i = 0; i < savedParams.Length; i++)
            Tolerance.AssertClose(savedParams[i], Fixture.Numbers(testCase["checkpoint"]!["params_at_save"]![i]), run.DType, $"saved param {i}", run.Tolerance);
        Resume(testCase, OptimizerPath.Named(path), resumed => resumed.LoadStateDict((IReadOnlyDictionary<string, object?>)loaded["optimizer"]!));
    }

    /// <summary>The reference's own eval-mode state dict loaded here and continued.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void ReferenceCheckpointResumesHere(string id, string path)
    {
        var testCase = Case(id);
        var onPath = OptimizerPath.Named(path);
        Resume(testCase, onPath, resumed =>
        {
            resumed.LoadStateDict(StateDictCheck.FromJson(testCase["checkpoint"]!["state_dict"]!.AsObject()));
            // The load takes the groups' options from the reference's dict (foreach: True, our
            // default path): set this path's flag again.
            if (onPath != OptimizerPath.Default)
                foreach (var group in resumed.ParamGroups) group["foreach"] = onPath.Foreach;
        });
    }

    private static int CheckpointStep(JsonObject testCase) => testCase["checkpoint"]!["after_step"]!.GetValue<int>();

    /// <summary>A fresh optimizer over fresh params holding the saved (x) weights, loaded (in eval mode, as saved), put in train mode and continued.</summary>
    private static void Resume(JsonObject testCase, OptimizerPath path, Action<ScheduleFreeOptimizer> load)
    {
        var (run, problem) = Start(testCase, path, train: false);
        problem.SetParams(testCase["checkpoint"]!["params_at_save"]!.AsArray());
        load(run.Optimizer);
        Assert.False(run.Optimizer.IsTrainMode);
        run.Optimizer.Train();
        run.Continue(from: CheckpointStep(testCase));
    }

    private static (Run, GoldenProblem) Start(JsonObject testCase, OptimizerPath path, bool train = true)
    {
        var dtype = Fixture.DType(testCase["dtype"]!.GetValue<string>());
        var problem = new GoldenProblem(Fixture.Load(FixtureName)["problem"]!, dtype);
        var groups = testCase["groups"]!.AsArray().Select(g => Group(problem, g!.AsObject())).ToArray();
        var optimizer = T.Build(groups, path);
        if (train) optimizer.Train();
        return (new Run(optimizer, problem, testCase, dtype, path), problem);
    }

    /// <summary>A recorded group: its params by index, its options as the reference held them (betas a pair, ints as ints).</summary>
    private static ParamGroup Group(GoldenProblem problem, JsonObject recorded)
    {
        var group = new ParamGroup([.. recorded["params"]!.AsArray().Select(i => problem.Params[i!.GetValue<int>()])]);
        foreach (var (key, value) in recorded["kwargs"]!.AsObject())
            group[key] = value switch
            {
                JsonArray pair => (Fixture.Number(pair[0]), Fixture.Number(pair[1])),
                JsonValue v when v.TryGetValue<long>(out var integer) => integer,
                _ => Fixture.Number(value),
            };
        return group;
    }

    /// <summary>A run against the recorded steps and switches.</summary>
    private sealed record Run(ScheduleFreeOptimizer Optimizer, GoldenProblem Problem, JsonObject Recorded, DType DType, OptimizerPath Path)
    {
        public double Tolerance => Golden.Tolerance.For(DType);

        /// <summary>The reference's groups with our path's <c>foreach</c> (the reference ran its default, True, which is our default path).</summary>
        public JsonArray AsOurPath(JsonArray groups)
        {
            var copy = groups.DeepClone().AsArray();
            if (Path != OptimizerPath.Default)
                foreach (var g in copy) g!["foreach"] = Path.Foreach is { } flag ? JsonValue.Create(flag) : null;
            return copy;
        }

        /// <summary>
        /// Steps <paramref name="from"/>+1 .. <paramref name="to"/> (default: all), making the
        /// recorded switches after each step count (after <paramref name="from"/> only from the
        /// start); <paramref name="checkpoint"/> gets the state dict when the run is in eval mode
        /// at the checkpoint step.
        /// </summary>
        public void Continue(int from, int? to = null, Action<OptimizerStateDict>? checkpoint = null)
        {
            var steps = Recorded["steps"]!.AsArray();
            var events = Recorded["events"]!.AsArray();
            int checkpointStep = Recorded["checkpoint"]!["after_step"]!.GetValue<int>();
            int last = to ?? steps.Count;
            for (int k = from; k <= last; k++)
            {
                if (k > from || from == 0)
                {
                    foreach (var e in events.Where(e => e!["after_step"]!.GetValue<int>() == k))
                    {
                        Switch(e!.AsObject(), k);
                        if (k == checkpointStep && !Optimizer.IsTrainMode && checkpoint is not null)
                        {
                            checkpoint(Optimizer.StateDict());
                            checkpoint = null;
                            if (k == last) return;
                        }
                    }
                }
                if (k == last || k >= steps.Count) break;
                Problem.SetRecordedGrads(steps[k]!);
                Optimizer.Step();
                TrajectoryCheck.AssertStep(Optimizer, Problem, steps[k]!, DType, $"{Recorded["id"]} step {k + 1}", Tolerance);
            }
        }

        private void Switch(JsonObject e, int k)
        {
            string action = e["action"]!.GetValue<string>();
            if (action == "train") Optimizer.Train();
            else Optimizer.Eval();
            string where = $"{Recorded["id"]} {action} after step {k}";
            var expected = e["params"]!.AsArray();
            for (int i = 0; i < Problem.Params.Length; i++)
                Golden.Tolerance.AssertClose(Problem.Params[i], Fixture.Numbers(expected[i]), DType, $"{where}: param {Problem.ParamNames[i]}", Tolerance);
            var groups = Optimizer.StateDict().ParamGroups;
            var expectedGroups = AsOurPath(e["param_groups"]!.AsArray());
            Assert.Equal(expectedGroups.Count, groups.Count);
            for (int g = 0; g < groups.Count; g++)
            {
                Assert.Equal(expectedGroups[g]!.AsObject().Select(kv => kv.Key), groups[g].Keys);
                foreach (var (key, value) in expectedGroups[g]!.AsObject())
                    StateDictCheck.AssertOptionEqual(groups[g][key], value, $"{where}: group {g} '{key}'");
            }
        }
    }
}

/// <summary>Schedule-Free AdamW's train/eval switches and eval-mode checkpoint against the reference.</summary>
public class AdamWScheduleFreeModesTests : ScheduleFreeModesConformance<AdamWScheduleFreeModesTests>, IScheduleFreeModes
{
    public static string FixturePrefix => "adamw_schedulefree";

    public static ScheduleFreeOptimizer Build(ParamGroup[] groups, OptimizerPath path)
        => path == OptimizerPath.Default ? new AdamWScheduleFree(groups) : new AdamWScheduleFree(groups, @foreach: path.Foreach);
}

/// <summary>Schedule-Free SGD's train/eval switches and eval-mode checkpoint against the reference.</summary>
public class SGDScheduleFreeModesTests : ScheduleFreeModesConformance<SGDScheduleFreeModesTests>, IScheduleFreeModes
{
    public static string FixturePrefix => "sgd_schedulefree";

    public static ScheduleFreeOptimizer Build(ParamGroup[] groups, OptimizerPath path)
        => path == OptimizerPath.Default ? new SGDScheduleFree(groups) : new SGDScheduleFree(groups, @foreach: path.Foreach);
}
