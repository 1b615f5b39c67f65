using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>A problem LBFGS's closure evaluates: fresh params, and the objective with our own autograd.</summary>
internal interface IClosureProblem
{
    Tensor[] Params { get; }

    Tensor Objective();
}

/// <summary>tools/golden's tanh regression (<see cref="GoldenProblem"/>).</summary>
internal sealed class TanhClosureProblem(JsonNode problem, DType dtype) : IClosureProblem
{
    private readonly GoldenProblem _problem = new(problem, dtype);

    public Tensor[] Params => _problem.Params;

    public Tensor Objective() => _problem.Loss();
}

/// <summary>f(x, y) = (1 − x)² + 100 (y − x²)² on one 2-element parameter, written as lbfgs.py writes it.</summary>
internal sealed class RosenbrockClosureProblem(JsonNode problem, DType dtype) : IClosureProblem
{
    private readonly Tensor _xy = Fixture.Tensor(problem["x0"]!["data"], [2], dtype).RequiresGrad_();

    public Tensor[] Params => [_xy];

    public Tensor Objective()
    {
        Tensor x = _xy.Select(0), y = _xy.Select(1);
        return x.RSub(1).Square().Add(y.Sub(x.Square()).Square().Mul(100));
    }
}

/// <summary>
/// mean(BCE-with-logits(X w + b, y)) + 0.01·Σw², as tools/golden/lbfgs_nonquadratic.py writes it;
/// params w and b (0-d).
/// </summary>
internal sealed class LogisticClosureProblem(JsonNode problem, DType dtype) : IClosureProblem
{
    private readonly Tensor _x = Shaped(problem["X"]!, dtype), _y = Shaped(problem["y"]!, dtype);

    public Tensor[] Params { get; } = [Shaped(problem["w0"]!, dtype).RequiresGrad_(), Shaped(problem["b0"]!, dtype).RequiresGrad_()];

    public Tensor Objective()
    {
        var (w, b) = (Params[0], Params[1]);
        return SharpOptim.NN.Functional.BinaryCrossEntropyWithLogits(_x.Matmul(w).Add(b), _y).Add(w.Mul(w).Sum().Mul(0.01));
    }

    private static Tensor Shaped(JsonNode node, DType dtype)
        => Fixture.Tensor(node["data"], node["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray(), dtype);
}

/// <summary>
/// Reads lbfgs_trajectories.sofx / lbfgs_state_dict.sofx (tools/golden/lbfgs.py) and
/// lbfgs_nonquadratic_trajectories.sofx (tools/golden/lbfgs_nonquadratic.py): builds the
/// problem and our LBFGS for a recorded case, replays PyTorch's closure evaluations, and compares
/// params and state with PyTorch's after each step.
/// </summary>
internal static class LbfgsFixture
{
    public const string Trajectories = "lbfgs_trajectories.sofx";
    public const string StateDicts = "lbfgs_state_dict.sofx";

    public const string NonQuadratic = "lbfgs_nonquadratic_trajectories.sofx";

    public static IEnumerable<object[]> CaseIds(Func<JsonObject, bool>? where = null, string fixture = Trajectories)
        => Fixture.Load(fixture)["cases"]!.AsArray().Select(c => c!.AsObject())
            .Where(c => where?.Invoke(c) ?? true).Select(c => new object[] { c["id"]!.GetValue<string>() });

    public static JsonObject Case(string id, string fixture = Trajectories) => TrajectoryCheck.Case(fixture, id);

    public static DType DTypeOf(JsonObject testCase) => Fixture.DType(testCase["dtype"]!.GetValue<string>());

    public static IClosureProblem Problem(JsonObject testCase, string fixture = Trajectories)
    {
        var name = testCase["problem"]!.GetValue<string>();
        var json = Fixture.Load(fixture)["problems"]![name]!;
        return name switch
        {
            "tanh" => new TanhClosureProblem(json, DTypeOf(testCase)),
            "rosenbrock" => new RosenbrockClosureProblem(json, DTypeOf(testCase)),
            "logistic" => new LogisticClosureProblem(json, DTypeOf(testCase)),
            _ => throw new InvalidDataException($"unknown problem {name}"),
        };
    }

    /// <summary>
    /// The tolerance for every step of a recorded trajectory: the project's (1e-10 in float64, 1e-5 in
    /// float32). LBFGS amplifies last-bit differences through nearly dependent curvature pairs, to
    /// the point of chaos in some float32 runs: PyTorch itself, replaying its own evaluations with its
    /// dot products summed exactly or its <c>add(alpha=)</c> rounded twice, lands up to 3e-9 (float64)
    /// and 3e3 (float32) away from its recording (the fixtures' <c>self_error</c>, tools/golden/lbfgs.py).
    /// Our LBFGS rounds every op as PyTorch's CPU kernels do (dot products in the reference BLAS's
    /// order, a fused multiply-add for add with alpha), so it follows every recording bit for bit.
    /// </summary>
    public static double StepTolerance(JsonObject testCase) => Tolerance.For(DTypeOf(testCase));

    /// <summary>Overwrites the params' values (no autograd), e.g. with PyTorch's params at a save point.</summary>
    public static void SetParams(Tensor[] parameters, JsonArray values)
    {
        using var _ = Torch.NoGrad();
        for (int i = 0; i < parameters.Length; i++)
            parameters[i].Copy_(Fixture.Tensor(values[i], parameters[i].Shape, parameters[i].DType));
    }

    public static bool Maximize(JsonObject testCase) => testCase["kwargs"]!["maximize"]?.GetValue<bool>() ?? false;

    /// <summary>Our LBFGS with a recorded case's kwargs (a tensor lr is a float32 0-d tensor, as torch.tensor(0.001)).</summary>
    public static LBFGS Create(Tensor[] parameters, JsonObject testCase)
        => Create(parameters, testCase["kwargs"]!.AsObject(), TrajectoryCheck.TensorKwargs(testCase));

    /// <summary>Our LBFGS with recorded kwargs (an <see cref="OptimizerFactory"/>).</summary>
    public static LBFGS Create(Tensor[] parameters, JsonObject kwargs, ISet<string> tensorKwargs)
    {
        FloatOrTensor? lr = kwargs["lr"] is { } v
            ? tensorKwargs.Contains("lr") ? Torch.Tensor(Fixture.Number(v), DType.Float32) : Fixture.Number(v)
            : null;
        int? Int(string key) => kwargs[key]?.GetValue<int>();
        double Double(string key, double fallback) => kwargs[key] is { } n ? Fixture.Number(n) : fallback;
        return new LBFGS(parameters, lr: lr, maxIter: Int("max_iter") ?? 20, maxEval: Int("max_eval"),
            toleranceGrad: Double("tolerance_grad", 1e-7), toleranceChange: Double("tolerance_change", 1e-9),
            historySize: Int("history_size") ?? 100, lineSearchFn: kwargs["line_search_fn"]?.GetValue<string>(),
            maximize: kwargs["maximize"]?.GetValue<bool>() ?? false);
    }

    /// <summary>
    /// A closure that plays back PyTorch's evaluations of one step in order: it checks that it is
    /// called at PyTorch's point (the params it saw), then hands back PyTorch's gradients and loss.
    /// The optimizer's arithmetic is then the only thing under test.
    /// </summary>
    public sealed class RecordedClosure(Tensor[] parameters, JsonArray evaluations, DType dtype, double tolerance, string where)
    {
        public int Calls { get; private set; }

        public Tensor Evaluate()
        {
            Assert.True(Calls < evaluations.Count, $"{where}: the closure is called more than PyTorch's {evaluations.Count} times");
            var record = evaluations[Calls]!;
            var ps = record["params"]!.AsArray();
            var grads = record["grads"]!.AsArray();
            for (int i = 0; i < parameters.Length; i++)
            {
                Tolerance.AssertClose(parameters[i], Fixture.Numbers(ps[i]), dtype, $"{where} evaluation {Calls + 1}: param {i}", tolerance);
                parameters[i].Grad = Fixture.Tensor(grads[i], parameters[i].Shape, dtype);
            }
            Calls++;
            return Torch.Scalar(Fixture.Number(record["loss"]), dtype);
        }
    }

    /// <summary>
    /// Runs the trajectory's steps <paramref name="first"/>.. <paramref name="first"/> + <paramref name="count"/> − 1
    /// (0-based) through <paramref name="optimizer"/>, each on its recorded evaluations, checking each
    /// step at <see cref="StepTolerance"/>; the number of evaluations must be PyTorch's exactly.
    /// </summary>
    public static void ReplaySteps(LBFGS optimizer, Tensor[] parameters, JsonObject testCase, int first, int count, string where)
    {
        var dtype = DTypeOf(testCase);
        var steps = testCase["steps"]!.AsArray();
        double tolerance = StepTolerance(testCase);
        for (int k = first; k < first + count; k++)
        {
            var evaluations = steps[k]!["evaluations"]!.AsArray();
            var closure = new RecordedClosure(parameters, evaluations, dtype, tolerance, $"{where} step {k + 1}");
            var loss = optimizer.Step(closure.Evaluate);
            Assert.True(evaluations.Count == closure.Calls, $"{where} step {k + 1}: {closure.Calls} closure evaluations, PyTorch made {evaluations.Count}");
            AssertStep(optimizer, parameters, loss!, testCase, steps[k]!, tolerance, $"{where} step {k + 1}");
        }
    }

    /// <summary>
    /// Closed loop: the first <paramref name="steps"/> steps of a recorded case with the closure
    /// evaluating the problem's objective with our own tensors and autograd; each step must make
    /// PyTorch's number of evaluations and leave PyTorch's loss, params and state, at the case's
    /// <see cref="StepTolerance"/> (the state at <paramref name="stateTolerance"/> when given).
    /// </summary>
    public static void RunClosedLoop(JsonObject testCase, string fixture, int steps, string where, double? stateTolerance = null)
    {
        var problem = Problem(testCase, fixture);
        var optimizer = Create(problem.Params, testCase);
        bool maximize = Maximize(testCase);
        var records = testCase["steps"]!.AsArray();
        for (int k = 0; k < steps; k++)
        {
            int calls = 0;
            var loss = optimizer.Step(() =>
            {
                calls++;
                optimizer.ZeroGrad();
                var objective = problem.Objective();
                var l = maximize ? objective.Neg() : objective;
                l.Backward();
                return l;
            });
            int expectedCalls = records[k]!["evaluations"]!.AsArray().Count;
            Assert.True(calls == expectedCalls, $"{where} closed-loop step {k + 1}: {calls} closure evaluations, PyTorch made {expectedCalls}");
            AssertStep(optimizer, problem.Params, loss!, testCase, records[k]!, StepTolerance(testCase), $"{where} closed-loop step {k + 1}", stateTolerance);
        }
    }

    /// <summary>
    /// The returned loss, the params and every state entry after one step against PyTorch's record;
    /// the state at <paramref name="stateTolerance"/> when given.
    /// </summary>
    public static void AssertStep(Optimizer optimizer, Tensor[] parameters, Tensor loss, JsonObject testCase, JsonNode record, double tolerance, string where,
                                  double? stateTolerance = null)
    {
        var dtype = DTypeOf(testCase);
        Tolerance.AssertClose(loss, [Fixture.Number(record["loss"])], dtype, $"{where}: returned loss", tolerance);
        var expectedParams = record["params"]!.AsArray();
        var expectedState = record["state"]!.AsArray();
        for (int i = 0; i < parameters.Length; i++)
        {
            Tolerance.AssertClose(parameters[i], Fixture.Numbers(expectedParams[i]), dtype, $"{where}: param {i}", tolerance);
            var expected = expectedState[i]!.AsObject();
            optimizer.State.TryGetValue(parameters[i], out var actual);
            var actualKeys = actual?.Keys.ToArray() ?? [];
            Assert.True(expected.Select(kv => kv.Key).SequenceEqual(actualKeys),
                $"{where}: state keys of param {i} are [{string.Join(", ", actualKeys)}], PyTorch has [{string.Join(", ", expected.Select(kv => kv.Key))}]");
            foreach (var (key, value) in expected)
                AssertStateValue(actual![key], ExpectedStateValue(testCase, key, value), dtype, stateTolerance ?? tolerance, $"{where}: state {key}");
        }
    }

    private static readonly ConditionalWeakTable<JsonObject, Dictionary<string, List<object?>>> HistoryCache = new();

    /// <summary>
    /// A recorded state value as plain objects (see <see cref="Expected"/>). A history list recorded
    /// as <c>{"history": [start, end]}</c> is that slice of the case's recorded history
    /// (lbfgs.py's HistoryTable), parsed once per case.
    /// </summary>
    private static object? ExpectedStateValue(JsonObject testCase, string key, JsonNode? value)
    {
        if (value is not JsonObject { } window || window["history"] is not JsonArray range) return Expected(value);
        var histories = HistoryCache.GetValue(testCase, _ => []);
        if (!histories.TryGetValue(key, out var history))
            histories[key] = history = (List<object?>)Expected(testCase["history"]![key])!;
        int start = range[0]!.GetValue<int>(), end = range[1]!.GetValue<int>();
        return history.GetRange(start, end - start);
    }

    /// <summary>A state-dict tensor (<c>{"tensor": true, "dtype", "shape", "data"}</c>): dtype and shape are checked too.</summary>
    private sealed record TaggedTensor(Tensor Value);

    /// <summary>
    /// A recorded value as plain objects: null, a <c>long</c> (a Python int), a <c>double</c> (a
    /// Python float), a <c>double[]</c> (a tensor's flat values in a trajectory record), a
    /// <see cref="TaggedTensor"/> (in a state dict) or a list of these.
    /// </summary>
    private static object? Expected(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o when o["tensor"] is not null => new TaggedTensor(Fixture.TaggedTensor(o)),
        JsonObject o when Fixture.IsNumbers(o) => Fixture.Numbers(o),
        JsonArray arr when arr.Count > 0 && arr.All(n => n is JsonValue) => Fixture.Numbers(arr),
        JsonArray list => list.Select(Expected).ToList(),
        JsonValue v when v.TryGetValue<long>(out var integer) => integer,
        _ => Fixture.Number(node),
    };

    /// <summary>
    /// One state value against its record, kind included: an integer must be an int, a float a
    /// double, a flat list of numbers a tensor; other lists go item by item.
    /// </summary>
    private static void AssertStateValue(object? actual, object? expected, DType dtype, double tolerance, string what)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{what}: PyTorch has None, we have {actual}");
                break;
            case double[] values:
                Tolerance.AssertClose(Assert.IsAssignableFrom<Tensor>(actual), values, dtype, what, tolerance);
                break;
            case TaggedTensor { Value: var t }:
                var tensor = Assert.IsAssignableFrom<Tensor>(actual);
                Assert.True(t.DType == tensor.DType, $"{what}: dtype {tensor.DType.TorchName()}, PyTorch has {t.DType.TorchName()}");
                Assert.True(t.Shape.SequenceEqual(tensor.Shape), $"{what}: shape [{string.Join(", ", tensor.Shape)}], PyTorch has [{string.Join(", ", t.Shape)}]");
                AssertStateValue(tensor, t.ToDoubleArray(), dtype, tolerance, what);
                break;
            case List<object?> list when list.Count > 0 && list.All(e => e is null or double[] { Length: 1 } or TaggedTensor { Value.Numel: 1 }):
                // A list of 0-d tensors (al, ro) is compared as one vector, as a tensor's elements are:
                // these scalars come out of dot products that cancel, so each alone can carry a large
                // relative error while the list, at its own scale, is exact to the tolerance.
                var scalars = ActualList(actual, list.Count, what);
                var expectedValues = new List<double>();
                var actualValues = new List<double>();
                for (int i = 0; i < list.Count; i++)
                {
                    if (list[i] is null)
                    {
                        Assert.True(scalars[i] is null, $"{what}[{i}]: PyTorch has None, we have {scalars[i]}");
                        continue;
                    }
                    var scalar = Assert.IsAssignableFrom<Tensor>(scalars[i]);
                    if (list[i] is TaggedTensor tagged) Assert.True(tagged.Value.DType == scalar.DType, $"{what}[{i}]: dtype {scalar.DType.TorchName()}, PyTorch has {tagged.Value.DType.TorchName()}");
                    expectedValues.Add(list[i] is double[] one ? one[0] : ((TaggedTensor)list[i]!).Value.Item());
                    actualValues.Add(scalar.Item());
                }
                Tolerance.AssertClose(Torch.Tensor(actualValues.ToArray()), expectedValues.ToArray(), dtype, what, tolerance);
                break;
            case List<object?> list:
                var items = ActualList(actual, list.Count, what);
                for (int i = 0; i < list.Count; i++) AssertStateValue(items[i], list[i], dtype, tolerance, $"{what}[{i}]");
                break;
            case long integer:
                Assert.True(actual is int or long, $"{what}: PyTorch has the int {integer}, we have {actual} ({actual?.GetType().Name})");
                Assert.Equal(integer, Convert.ToInt64(actual, CultureInfo.InvariantCulture));
                break;
            case double number:
                Tolerance.AssertClose(Torch.Scalar(Assert.IsType<double>(actual), DType.Float64), [number], dtype, what, tolerance);
                break;
        }
    }

    private static List<object?> ActualList(object? actual, int expectedCount, string what)
    {
        var items = Assert.IsAssignableFrom<System.Collections.IEnumerable>(actual).Cast<object?>().ToList();
        Assert.True(items.Count == expectedCount, $"{what}: {items.Count} entries, PyTorch has {expectedCount}");
        return items;
    }

    /// <summary>
    /// Our state dict against PyTorch's recorded one: the groups' keys in order and their values,
    /// the state's parameter indices, and every state entry with its kind, dtype and shape, at
    /// <paramref name="tolerance"/> (lists of 0-d tensors as one vector, unlike StateDictCheck).
    /// </summary>
    public static void AssertStateDict(OptimizerStateDict ours, JsonObject torch, DType dtype, double tolerance)
    {
        var groups = torch["param_groups"]!.AsArray();
        Assert.Equal(groups.Count, ours.ParamGroups.Count);
        for (int g = 0; g < groups.Count; g++)
        {
            var expected = groups[g]!.AsObject();
            Assert.Equal(expected.Select(kv => kv.Key), ours.ParamGroups[g].Keys);
            foreach (var (key, value) in expected)
                StateDictCheck.AssertOptionEqual(ours.ParamGroups[g][key], value, $"group {g} '{key}'");
        }
        var state = torch["state"]!.AsObject();
        Assert.Equal(state.Select(kv => int.Parse(kv.Key, CultureInfo.InvariantCulture)), ours.State.Keys.Cast<int>());
        foreach (var (index, entries) in state)
        {
            var mine = ours.State[int.Parse(index, CultureInfo.InvariantCulture)];
            Assert.Equal(entries!.AsObject().Select(kv => kv.Key), mine.Keys);
            foreach (var (key, value) in entries.AsObject())
                AssertStateValue(mine[key], Expected(value), dtype, tolerance, $"state {index}.{key}");
        }
    }
}
