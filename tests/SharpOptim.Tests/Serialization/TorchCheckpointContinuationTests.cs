using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using SharpOptim.Tests.Golden;
using SharpOptim.Tests.Optim;
using Xunit;

namespace SharpOptim.Tests.Serialization;

/// <summary>
/// Checkpoints PyTorch wrote mid-training (tools/golden/checkpoints.py): Torch.Load must return
/// exactly what PyTorch saved, and SharpOptim objects loaded from the file must then take the
/// same steps PyTorch took after torch.load (recorded gradients fed to the optimizer; for LBFGS,
/// PyTorch's closure evaluations played back call by call; for the model case, our forward pass
/// also updates BatchNorm's running statistics and gives the loss).
/// </summary>
public class TorchCheckpointContinuationTests
{
    private const string Continuations = "checkpoint_continuations.json.gz";

    /// <summary>
    /// The optimizers the cases use, by PyTorch class name (a new case in checkpoints.py with a
    /// new optimizer needs its factory here). Each is our default path, the one a user gets: for
    /// the Adam family it is the fused-rounding kernel with the for-loop's hyper-parameter
    /// arithmetic, which is PyTorch's CPU for-loop to the bit.
    /// </summary>
    private static readonly Dictionary<string, OptimizerFactory> Optimizers = new()
    {
        ["SGD"] = SgdConformanceTests.Factory("default"),
        ["Adam"] = AdamConformanceTests.Factory("default"),
        ["AdamW"] = AdamWConformanceTests.Factory("default"),
        ["Adamax"] = AdamaxConformanceTests.Factory("default"),
        ["LBFGS"] = LbfgsFixture.Create,
    };

    /// <summary>
    /// Schedulers by PyTorch class name: (optimizer, recorded kwargs) → the scheduler's
    /// LoadStateDict and Step (a case in checkpoints.py with another scheduler needs one here).
    /// </summary>
    private static readonly Dictionary<string, Func<Optimizer, JsonObject, (Action<IReadOnlyDictionary<string, object?>> Load, Action Step)>> Schedulers = new()
    {
        ["OneCycleLR"] = (optimizer, kwargs) =>
        {
            var scheduler = new OneCycleLR(optimizer, maxLr: Fixture.Number(kwargs["max_lr"]), totalSteps: kwargs["total_steps"]!.GetValue<int>());
            return (scheduler.LoadStateDict, scheduler.Step);
        },
    };

    public static IEnumerable<object[]> Cases() => TrajectoryCheck.CaseIds(Continuations).Select(id => new object[] { id });

    [Theory]
    [MemberData(nameof(Cases))]
    public void LoadsExactlyWhatPyTorchSaved(string id)
    {
        var c = TrajectoryCheck.Case(Continuations, id);
        LoadedValueAssert.Equal(c["checkpoint"], Torch.Load(PathOf(c)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ContinuesAsPyTorchDidAfterLoading(string id)
    {
        var c = TrajectoryCheck.Case(Continuations, id);
        var dtype = Fixture.DType(c["dtype"]!.GetValue<string>());
        var checkpoint = Torch.Load(PathOf(c));
        if (c["model"] is null) ContinueRegression(c, dtype, checkpoint!);
        else ContinueModel(c, dtype, Assert.IsType<OrderedDictionary<string, object?>>(checkpoint));
    }

    private static string PathOf(JsonObject c) => Path.Combine(AppContext.BaseDirectory, "Fixtures", c["file"]!.GetValue<string>());

    private static Optimizer MakeOptimizer(JsonObject c, Tensor[] parameters)
        => Optimizers[c["optimizer"]!.GetValue<string>()](parameters, c["kwargs"]!.AsObject(), TrajectoryCheck.TensorKwargs(c));

    /// <summary>The regression problem: params as PyTorch had them at the save, the optimizer from the file.</summary>
    private static void ContinueRegression(JsonObject c, DType dtype, object checkpoint)
    {
        var problem = new GoldenProblem(Fixture.Load(Continuations)["problem"]!, dtype);
        problem.SetParams(c["params_at_save"]!.AsArray());
        var optimizer = MakeOptimizer(c, problem.Params);
        var stepScheduler = LoadOptimizerAndScheduler(c, optimizer, (IReadOnlyDictionary<string, object?>)checkpoint);
        var steps = c["continuation"]!.AsArray();
        for (int k = 0; k < steps.Count; k++)
        {
            string where = $"{c["id"]} step {k + 1} after loading";
            if (c["closure"]!.GetValue<bool>())
            {
                ClosureStepOnRecordedEvaluations(c, k, optimizer, problem, dtype, where);
                stepScheduler?.Invoke();
                AssertLrs(optimizer, steps[k]!, where);
                continue;
            }
            problem.SetRecordedGrads(steps[k]!);
            optimizer.Step();
            stepScheduler?.Invoke();
            AssertLrs(optimizer, steps[k]!, where);
            TrajectoryCheck.AssertStep(optimizer, problem, steps[k]!, dtype, where);
        }
    }

    /// <summary>
    /// One closure step (LBFGS) whose closure plays back PyTorch's evaluations of that step, as the
    /// LBFGS conformance tests do: each call must come at PyTorch's point and gets PyTorch's loss
    /// and gradients, the step must make PyTorch's number of calls, and then the returned loss,
    /// the params and the whole state (keys in order, kinds: ints, floats, tensors, lists of
    /// tensors) must be PyTorch's, within <see cref="LbfgsFixture.StepTolerance"/>.
    /// Our own autograd is not in the loop:
    /// LBFGS magnifies its last-bit differences from PyTorch's (see LbfgsConformanceTests'
    /// closed-loop tests).
    /// </summary>
    private static void ClosureStepOnRecordedEvaluations(JsonObject c, int k, Optimizer optimizer, GoldenProblem problem, DType dtype, string where)
    {
        var record = c["continuation"]![k]!;
        double tolerance = LbfgsFixture.StepTolerance(c);
        var evaluations = record["evaluations"]!.AsArray();
        var closure = new LbfgsFixture.RecordedClosure(problem.Params, evaluations, dtype, tolerance, where);
        var loss = optimizer.Step(closure.Evaluate);
        Assert.True(evaluations.Count == closure.Calls, $"{where}: {closure.Calls} closure evaluations, PyTorch made {evaluations.Count}");
        LbfgsFixture.AssertStep(optimizer, problem.Params, loss!, c, record, tolerance, where);
    }

    /// <summary>{"model", "optimizer", "epoch"}: the model's state dict and the optimizer load straight from Torch.Load's result.</summary>
    private static void ContinueModel(JsonObject c, DType dtype, OrderedDictionary<string, object?> checkpoint)
    {
        Assert.Equal("mlp_batchnorm", c["model"]!.GetValue<string>());
        var model = new Sequential(new Linear(4, 6, dtype: dtype), new BatchNorm1d(6, dtype: dtype), new Tanh(), new Linear(6, 3, dtype: dtype));
        model.LoadStateDict((IReadOnlyDictionary<string, object?>)checkpoint["model"]!);
        Assert.Equal(c["param_names"]!.AsArray().Select(n => n!.GetValue<string>()), model.NamedParameters().Select(p => p.Name));
        Assert.Equal(c["buffer_names"]!.AsArray().Select(n => n!.GetValue<string>()), model.NamedBuffers().Select(b => b.Name));
        Assert.Equal(c["steps_before_save"]!.GetValue<long>(), Assert.IsType<long>(checkpoint["epoch"]));

        var parameters = model.Parameters().ToArray<Tensor>();
        var optimizer = MakeOptimizer(c, parameters);
        var stepScheduler = LoadOptimizerAndScheduler(c, optimizer, checkpoint);
        var batches = Fixture.Load(Continuations)["model_batches"]!.AsArray();
        var steps = c["continuation"]!.AsArray();
        var criterion = new MSELoss();
        for (int k = 0; k < steps.Count; k++)
        {
            string where = $"{c["id"]} step {k + 1} after loading";
            var record = steps[k]!;
            model.Train();
            var x = Fixture.Tensor(batches[k]!["X"]!["data"], [8, 4], dtype);
            var y = Fixture.Tensor(batches[k]!["Y"]!["data"], [8, 3], dtype);
            var loss = criterion.Forward(model.Forward(x), y);
            Tolerance.AssertClose(loss, [Fixture.Number(record["loss"])], dtype, $"{where}: loss");

            var grads = record["grads"]!.AsArray();
            for (int i = 0; i < parameters.Length; i++) parameters[i].Grad = Fixture.Tensor(grads[i], parameters[i].Shape, dtype);
            optimizer.Step();
            stepScheduler?.Invoke();
            AssertLrs(optimizer, record, where);

            var expectedParams = record["params"]!.AsArray();
            var expectedState = record["state"]!.AsArray();
            for (int i = 0; i < parameters.Length; i++)
            {
                Tolerance.AssertClose(parameters[i], Fixture.Numbers(expectedParams[i]), dtype, $"{where}: param {i}");
                foreach (var (key, value) in expectedState[i]!.AsObject())
                    TrajectoryCheck.AssertStateValue(optimizer.State[parameters[i]][key], value!, dtype, $"{where}: state {i}.{key}");
            }
            var buffers = model.Buffers().ToList();
            var expectedBuffers = record["buffers"]!.AsArray();
            for (int i = 0; i < buffers.Count; i++)
                Tolerance.AssertClose(buffers[i], Fixture.Numbers(expectedBuffers[i]), dtype, $"{where}: buffer {i}");
        }
    }

    /// <summary>
    /// Loads the optimizer's part of the checkpoint (the whole file, or its "optimizer" entry) and
    /// the scheduler's, if any; returns the scheduler's step. As in checkpoints.py (and the usual
    /// idiom), the scheduler is built before the optimizer's state is loaded: building it writes
    /// its starting lr (and betas) into the groups, which the loaded groups then replace.
    /// </summary>
    private static Action? LoadOptimizerAndScheduler(JsonObject c, Optimizer optimizer, IReadOnlyDictionary<string, object?> checkpoint)
    {
        bool wrapped = c["model"] is not null || c["scheduler"] is not null;
        (Action<IReadOnlyDictionary<string, object?>> Load, Action Step)? scheduler = null;
        if (c["scheduler"] is JsonObject spec)
        {
            var name = spec["name"]!.GetValue<string>();
            Assert.True(Schedulers.TryGetValue(name, out var make), $"no scheduler factory for {name}: add one to {nameof(Schedulers)}");
            scheduler = make!(optimizer, spec["kwargs"]!.AsObject());
        }
        optimizer.LoadStateDict(wrapped ? (IReadOnlyDictionary<string, object?>)checkpoint["optimizer"]! : checkpoint);
        if (scheduler is not { } s) return null;
        s.Load((IReadOnlyDictionary<string, object?>)checkpoint["scheduler"]!);
        return s.Step;
    }

    /// <summary>Scheduler cases record every group's lr after each step, and the betas or momentum a cycling scheduler moves.</summary>
    private static void AssertLrs(Optimizer optimizer, JsonNode record, string where)
    {
        if (record["lr"] is not JsonArray lrs) return;
        for (int g = 0; g < lrs.Count; g++)
        {
            var group = optimizer.ParamGroups[g];
            AssertOption(group.Lr, lrs[g], $"{where}: lr of group {g}");
            if (record["betas"] is JsonArray betas)
            {
                var pair = Assert.IsAssignableFrom<ITuple>(group["betas"]);
                for (int i = 0; i < 2; i++) AssertOption(Convert.ToDouble(pair[i], CultureInfo.InvariantCulture), betas[g]![i], $"{where}: betas[{i}] of group {g}");
            }
            if (record["momentum"] is JsonArray momentum)
                AssertOption(Convert.ToDouble(group["momentum"], CultureInfo.InvariantCulture), momentum[g], $"{where}: momentum of group {g}");
        }
    }

    /// <summary>Schedulers compute in double on both sides: only the last bits may differ.</summary>
    private static void AssertOption(double actual, JsonNode? expected, string where)
        => Assert.True(Math.Abs(actual - Fixture.Number(expected)) <= 1e-12 * Math.Abs(Fixture.Number(expected)), $"{where}: {actual:R}, PyTorch {Fixture.Number(expected):R}");
}
