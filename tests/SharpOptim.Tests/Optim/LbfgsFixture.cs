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
/// Reads lbfgs_trajectories.json.gz / lbfgs_state_dict.json.gz (tools/golden/lbfgs.py): builds the
/// problem and our LBFGS for a recorded case, replays PyTorch's closure evaluations, and compares
/// params and state with PyTorch's after each step.
/// </summary>
internal static class LbfgsFixture
{
    public const string Trajectories = "lbfgs_trajectories.json.gz";
    public const string StateDicts = "lbfgs_state_dict.json.gz";

    public static IEnumerable<object[]> CaseIds(Func<JsonObject, bool>? where = null)
        => Fixture.Load(Trajectories)["cases"]!.AsArray().Select(c => c!.AsObject())
            .Where(c => where?.Invoke(c) ?? true).Select(c => new object[] { c["id"]!.GetValue<string>() });

    public static JsonObject Case(string id) => TrajectoryCheck.Case(Trajectories, id);

    public static DType DTypeOf(JsonObject testCase) => Fixture.DType(testCase["dtype"]!.GetValue<string>());

    public static IClosureProblem Problem(JsonObject testCase)
    {
        var name = testCase["problem"]!.GetValue<string>();
        var json = Fixture.Load(Trajectories)["problems"]![name]!;
        return name switch
        {
            "tanh" => new TanhClosureProblem(json, DTypeOf(testCase)),
            "rosenbrock" => new RosenbrockClosureProblem(json, DTypeOf(testCase)),
            _ => throw new InvalidDataException($"unknown problem {name}"),
        };
    }

    /// <summary>How far our replay may be from PyTorch's recording, relative to how far PyTorch is from itself.</summary>
    public const double SelfErrorFactor = 10;

    /// <summary>
    /// The tolerance for step <paramref name="k"/> (0-based) of a trajectory: design.md's (1e-10 in
    /// float64, 1e-5 in float32), or ten times the case's recorded <c>self_error</c> of that step
    /// if larger. <c>self_error</c> is how far PyTorch itself lands from its own recording when it
    /// replays the same evaluations with its dot products summed exactly (tools/golden/lbfgs.py):
    /// LBFGS amplifies last-bit differences of dot products through nearly dependent curvature
    /// pairs, up to 3e-9 in float64 on the tanh problem and to the point of chaos in some float32
    /// runs, so no other implementation can be held closer than PyTorch holds itself.
    /// </summary>
    public static double StepTolerance(JsonObject testCase, int k)
        => Math.Max(Tolerance.For(DTypeOf(testCase)), SelfErrorFactor * Fixture.Number(testCase["self_error"]![k]));

    public static bool Maximize(JsonObject testCase) => testCase["kwargs"]!["maximize"]?.GetValue<bool>() ?? false;

    /// <summary>Our LBFGS with a recorded case's kwargs (a tensor lr is a float32 0-d tensor, as torch.tensor(0.001)).</summary>
    public static LBFGS Create(Tensor[] parameters, JsonObject testCase)
    {
        var kwargs = testCase["kwargs"]!.AsObject();
        var tensorKwargs = TrajectoryCheck.TensorKwargs(testCase);
        FloatOrTensor? lr = kwargs["lr"] is { } v
            ? tensorKwargs.Contains("lr") ? Torch.Tensor(Fixture.Number(v), DType.Float32) : Fixture.Number(v)
            : null;
        int? Int(string key) => kwargs[key]?.GetValue<int>();
        double Double(string key, double fallback) => kwargs[key] is { } n ? Fixture.Number(n) : fallback;
        return new LBFGS(parameters, lr: lr, maxIter: Int("max_iter") ?? 20, maxEval: Int("max_eval"),
            toleranceGrad: Double("tolerance_grad", 1e-7), toleranceChange: Double("tolerance_change", 1e-9),
            historySize: Int("history_size") ?? 100, lineSearchFn: kwargs["line_search_fn"]?.GetValue<string>(),
            maximize: Maximize(testCase));
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
    /// step at <see cref="StepTolerance"/>; the number of evaluations must be PyTorch's exactly. It
    /// stops before a step whose <c>self_error</c> is infinite: there PyTorch itself, perturbed,
    /// takes a different number of evaluations, so the recording no longer fixes the steps.
    /// Returns the number of steps replayed.
    /// </summary>
    public static int ReplaySteps(LBFGS optimizer, Tensor[] parameters, JsonObject testCase, int first, int count, string where)
    {
        var dtype = DTypeOf(testCase);
        var steps = testCase["steps"]!.AsArray();
        for (int k = first; k < first + count; k++)
        {
            double tolerance = StepTolerance(testCase, k);
            if (double.IsPositiveInfinity(tolerance)) return k - first;
            var evaluations = steps[k]!["evaluations"]!.AsArray();
            var closure = new RecordedClosure(parameters, evaluations, dtype, tolerance, $"{where} step {k + 1}");
            var loss = optimizer.Step(closure.Evaluate);
            Assert.True(evaluations.Count == closure.Calls, $"{where} step {k + 1}: {closure.Calls} closure evaluations, PyTorch made {evaluations.Count}");
            AssertStep(optimizer, parameters, loss!, testCase, steps[k]!, tolerance, $"{where} step {k + 1}");
        }
        return count;
    }

    /// <summary>The returned loss, the params and every state entry after one step against PyTorch's record.</summary>
    public static void AssertStep(LBFGS optimizer, Tensor[] parameters, Tensor loss, JsonObject testCase, JsonNode record, double tolerance, string where)
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
                AssertStateValue(actual![key], ResolveHistory(testCase, key, value), dtype, tolerance, $"{where}: state {key}");
        }
    }

    /// <summary>
    /// A history list recorded as <c>{"history": [start, end]}</c> is that slice of the case's
    /// recorded history (lbfgs.py's HistoryTable); any other value is returned as it is.
    /// </summary>
    private static JsonNode? ResolveHistory(JsonObject testCase, string key, JsonNode? value)
    {
        if (value is not JsonObject { } window || window["history"] is not JsonArray range) return value;
        int start = range[0]!.GetValue<int>(), end = range[1]!.GetValue<int>();
        return new JsonArray(testCase["history"]![key]!.AsArray().Skip(start).Take(end - start).Select(n => n!.DeepClone()).ToArray());
    }

    /// <summary>
    /// One state value against its record, kind included: an integer must be an int, a float a
    /// double, a flat list of numbers a tensor; other lists go item by item.
    /// </summary>
    private static void AssertStateValue(object? actual, JsonNode? expected, DType dtype, double tolerance, string what)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{what}: PyTorch has None, we have {actual}");
                break;
            case JsonArray arr when arr.Count > 0 && arr.All(n => n is JsonValue):
                var tensor = Assert.IsAssignableFrom<Tensor>(actual);
                Tolerance.AssertClose(tensor, Fixture.Numbers(arr), dtype, what, tolerance);
                break;
            case JsonArray list when list.Count > 0 && list.All(n => n is null || n is JsonArray { Count: 1 } one && one[0] is JsonValue):
                // A list of 0-d tensors (al, ro) is compared as one vector, as a tensor's elements are:
                // these scalars come out of dot products that cancel, so each alone can carry a large
                // relative error while the list, at its own scale, is exact to the tolerance.
                var scalars = Assert.IsAssignableFrom<System.Collections.IEnumerable>(actual).Cast<object?>().ToList();
                Assert.True(list.Count == scalars.Count, $"{what}: {scalars.Count} entries, PyTorch has {list.Count}");
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
                    expectedValues.Add(Fixture.Number(list[i]![0]));
                    actualValues.Add(scalar.Item());
                }
                Tolerance.AssertClose(Torch.Tensor(actualValues.ToArray()), expectedValues.ToArray(), dtype, what, tolerance);
                break;
            case JsonArray list:
                var items = Assert.IsAssignableFrom<System.Collections.IEnumerable>(actual).Cast<object?>().ToList();
                Assert.True(list.Count == items.Count, $"{what}: {items.Count} entries, PyTorch has {list.Count}");
                for (int i = 0; i < list.Count; i++) AssertStateValue(items[i], list[i], dtype, tolerance, $"{what}[{i}]");
                break;
            case JsonValue v when v.TryGetValue<long>(out var integer):
                Assert.True(actual is int or long, $"{what}: PyTorch has the int {integer}, we have {actual} ({actual?.GetType().Name})");
                Assert.Equal(integer, Convert.ToInt64(actual));
                break;
            case JsonValue v:
                var number = Assert.IsType<double>(actual);
                Tolerance.AssertClose(Torch.Scalar(number, DType.Float64), [Fixture.Number(v)], dtype, what, tolerance);
                break;
        }
    }
}
