using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// What the malformed-state tests share: <c>atomic_state.json</c> (tools/golden/atomic_state.py:
/// each algorithm with kwargs that make every state key PyTorch has, on two parameters, and what
/// PyTorch did with each key missing, with int64 state, with a plain-number step), our optimizer
/// for each of its algorithms on each of our paths (through the algorithms' conformance
/// factories), and an exact snapshot of everything a step could change.
/// </summary>
internal static class MalformedState
{
    public const string FixtureName = "atomic_state.json";

    public static JsonObject Fixture => Golden.Fixture.Load(FixtureName).AsObject();

    /// <summary>Our four paths: foreach false, foreach true, fused true, both null.</summary>
    public static readonly string[] Paths = ["reference", "foreach", "fused", "default"];

    /// <summary>
    /// Our optimizer for a recorded algorithm (the fixture's name, a variant after '-') on one path:
    /// the registry the conformance tests build every algorithm with.
    /// </summary>
    private static readonly Dictionary<string, Func<string, OptimizerFactory>> Factories = new()
    {
        ["SGD"] = SgdConformanceTests.Factory,
        ["Adam"] = AdamConformanceTests.Factory,
        ["AdamW"] = AdamWConformanceTests.Factory,
        ["Adamax"] = AdamaxConformanceTests.Factory,
        ["NAdam"] = NAdamConformanceTests.Factory,
        ["RAdam"] = RAdamConformanceTests.Factory,
        ["ASGD"] = AsgdConformanceTests.Factory,
        ["Adagrad"] = AdagradConformanceTests.Factory,
        ["Adadelta"] = AdadeltaConformanceTests.Factory,
        ["RMSprop"] = RmspropConformanceTests.Factory,
        ["Rprop"] = RpropConformanceTests.Factory,
        ["Adafactor"] = AdafactorConformanceTests.Factory,
        ["Muon"] = MuonConformanceTests.Factory,
        // No recorded trajectories of its own kind (its problem is an embedding): built here, kwargs all default.
        ["SparseAdam"] = path => (ps, _, _) => new SparseAdam(ps, @foreach: RecordedKwargs.ForeachFor(path), fused: RecordedKwargs.FusedFor(path)),
    };

    /// <summary>The recorded algorithms (e.g. "Adam", "Adafactor-matrix-last").</summary>
    public static IEnumerable<string> Algorithms => Fixture["algorithms"]!.AsObject().Select(kv => kv.Key);

    /// <summary>Each recorded algorithm on each of our paths, as theory data.</summary>
    public static TheoryData<string, string> AlgorithmPaths()
    {
        var rows = new TheoryData<string, string>();
        foreach (var algorithm in Algorithms)
            foreach (var path in Paths) rows.Add(algorithm, path);
        return rows;
    }

    /// <summary>The PyTorch class an algorithm name stands for ("Adafactor-matrix-last" → "Adafactor").</summary>
    public static string ClassOf(string algorithm) => algorithm.Split('-')[0];

    /// <summary>
    /// Our optimizer for <paramref name="algorithm"/> on <paramref name="path"/>, on new parameters of
    /// its recorded shapes, stepped twice so that every parameter has state, then given new
    /// gradients. With <paramref name="secondGroup"/> a second group holds one more parameter
    /// shaped as the one at index 1 (so at index 2).
    /// </summary>
    public static (Optimizer Optimizer, Tensor[] Params) Stepped(string algorithm, string path, bool secondGroup = false)
    {
        var spec = Fixture["algorithms"]![algorithm]!;
        var shapes = spec["shapes"]!.AsArray().Select(s => s!.AsArray().Select(d => d!.GetValue<int>()).ToArray()).ToList();
        var generator = new Generator(7);
        var ps = shapes.Select(shape => Torch.Randn(shape, generator: generator).RequiresGrad_()).ToList();
        var optimizer = Factories[ClassOf(algorithm)](path)(ps.ToArray(), spec["kwargs"]!.AsObject(), new HashSet<string>());
        if (secondGroup)
        {
            var extra = Torch.Randn(shapes[1], generator: generator).RequiresGrad_();
            optimizer.AddParamGroup(new ParamGroup([extra]));
            ps.Add(extra);
        }
        bool sparse = optimizer is SparseAdam;
        for (int i = 0; i < 3; i++)
        {
            foreach (var p in ps) p.Grad = Gradient(p.ShapeRef, sparse, generator);
            if (i < 2) optimizer.Step();
        }
        return (optimizer, ps.ToArray());
    }

    /// <summary>A random gradient; sparse (every row an entry) for SparseAdam.</summary>
    private static Tensor Gradient(int[] shape, bool sparse, Generator generator)
    {
        var values = Torch.Randn(shape, generator: generator);
        if (!sparse) return values;
        var rows = Torch.Tensor(Enumerable.Range(0, shape[0]).Select(r => (long)r).ToArray(), [1, shape[0]]);
        return Torch.SparseCooTensor(rows, values, shape);
    }

    /// <summary>PyTorch's record of one key of parameter 1 missing (see the fixture script).</summary>
    public static JsonObject MissingKeyRecord(string algorithm, string key)
        => Fixture["missing_key"]!.AsArray().Single(r => r!["algorithm"]!.GetValue<string>() == algorithm && r["key"]!.GetValue<string>() == key)!.AsObject();

    /// <summary>
    /// Entries our step makes when a state lacks them where PyTorch's step raises: RMSprop's
    /// optional buffers, so that a group can switch momentum or centered on mid-run (a documented
    /// deviation, RmspropConformanceTests.StateMissingAfterAnOptionChangeIsMade).
    /// </summary>
    private static readonly HashSet<(string Algorithm, string Key)> MadeHereNotInPyTorch = [("RMSprop", "momentum_buffer"), ("RMSprop", "grad_avg")];

    /// <summary>Whether our step refuses a state without <paramref name="key"/>: where PyTorch's raises, but for <see cref="MadeHereNotInPyTorch"/>.</summary>
    public static bool StepRefusesMissing(string algorithm, string key)
        => MissingKeyRecord(algorithm, key)["step"]!["kind"]!.GetValue<string>() == "error" && !MadeHereNotInPyTorch.Contains((algorithm, key));

    /// <summary>
    /// Every parameter, gradient and state entry of <paramref name="optimizer"/>, exactly: groups and
    /// parameters in order, tensors as dtype, shape and the bits of every element, state keys in
    /// order, and which parameters have state at all.
    /// </summary>
    public static string Snapshot(Optimizer optimizer)
    {
        var sb = new StringBuilder();
        foreach (var group in optimizer.ParamGroups)
        {
            sb.Append("group ").Append(string.Join(",", group.Select(kv => $"{kv.Key}={Describe(kv.Value)}"))).Append('\n');
            foreach (var p in group.Params)
            {
                sb.Append("param ").Append(Describe(p)).Append(" grad ").Append(Describe(p.Grad)).Append('\n');
                if (!optimizer.State.TryGetValue(p, out var state)) continue;
                foreach (var (key, value) in state) sb.Append("  ").Append(key).Append('=').Append(Describe(value)).Append('\n');
            }
        }
        return sb.Append("states ").Append(optimizer.State.Count).ToString();
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        Tensor { IsSparse: true } t => "sparse " + Describe(t.ToDense()),
        Tensor t => $"{t.DType} [{string.Join(",", t.ShapeRef)}] " + string.Join(",", t.ToDoubleArray().Select(x => BitConverter.DoubleToInt64Bits(x).ToString("x", CultureInfo.InvariantCulture))),
        System.Collections.IEnumerable e and not string => "[" + string.Join(";", e.Cast<object?>().Select(Describe)) + "]",
        _ => $"{value} ({value.GetType().Name})",
    };
}
