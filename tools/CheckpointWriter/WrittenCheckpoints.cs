using System.Collections;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using SharpOptim.Serialization;

namespace SharpOptim.Tools.CheckpointWriter;

/// <summary>
/// The checkpoints SharpOptim writes for PyTorch to load (checked by
/// tools/golden/check_sharpoptim_files.py, byte-compared by the test suite). Every value is made
/// deterministically: explicit generators, reference optimizer paths where the path is chosen.
/// </summary>
public static class WrittenCheckpoints
{
    /// <param name="File">The file name.</param>
    /// <param name="Content">What is saved.</param>
    /// <param name="Checks">What the PyTorch side does with the loaded file besides comparing it with <see cref="Tag"/> of the content.</param>
    public sealed record Case(string File, object? Content, JsonObject Checks);

    public static IReadOnlyList<Case> Build(string fixturesDir) =>
    [
        OptimizerStateDict(),
        ModelCheckpoint(),
        SchedulerCheckpoint(),
        Continued(fixturesDir, "sgd_momentum", "float32"),
        Continued(fixturesDir, "sgd_momentum", "float64"),
        SchedulerLikeState(),
        Values(),
    ];

    /// <summary>SGD over named params in two groups (param_names, per-group options), 3 steps: torch.save(optimizer.state_dict()).</summary>
    private static Case OptimizerStateDict()
    {
        var (w, b, s) = (Seeded([3, 4], DType.Float32, 1).RequiresGrad_(), Seeded([3], DType.Float32, 2).RequiresGrad_(), Seeded([], DType.Float32, 3).RequiresGrad_());
        var x = Seeded([8, 4], DType.Float32, 4);
        var y = Seeded([8, 3], DType.Float32, 5);
        var optimizer = new SGD(
            [new ParamGroup([("W", w), ("b", b)]) { ["lr"] = 0.1 }, new ParamGroup([("s", s)]) { ["momentum"] = 0.5 }],
            lr: 0.01, momentum: 0.9, weightDecay: 0.01, nesterov: true, @foreach: false);
        for (int k = 0; k < 3; k++)
        {
            optimizer.ZeroGrad();
            x.Matmul(w.T()).Add(b).Tanh().Mul(s).Sub(y).Square().Mean().Backward();
            optimizer.Step();
        }
        return new Case("sgd_state_dict.pt", optimizer.StateDict(), new JsonObject
        {
            ["kind"] = "optimizer",
            ["optimizer"] = "SGD",
            ["param_shapes"] = new JsonArray(new JsonArray(3, 4), new JsonArray(3), new JsonArray()),
            ["dtype"] = "float32",
        });
    }

    /// <summary>The usual idiom: {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": n}.</summary>
    private static Case ModelCheckpoint()
    {
        var dtype = DType.Float64;
        var model = SeededModel(dtype);
        var optimizer = new SGD(model.Parameters(), lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3, @foreach: false);
        Train(model, optimizer, 3, dtype);
        var checkpoint = new OrderedDictionary<string, object?>
        {
            ["model"] = model.StateDict(),
            ["optimizer"] = optimizer.StateDict(),
            ["epoch"] = 3,
        };
        return new Case("model_checkpoint.pt", checkpoint, new JsonObject
        {
            ["kind"] = "model_checkpoint",
            ["model"] = "mlp_batchnorm",
            ["dtype"] = "float64",
            ["optimizer"] = "SGD",
        });
    }

    /// <summary>
    /// {"model", "optimizer", "scheduler", "epoch"} for AdamW with OneCycleLR stepped after every
    /// batch, saved 4 steps into a 12-step cycle. PyTorch loads it into its own AdamW and
    /// OneCycleLR, checks the scheduler's state and the groups' lrs and betas against a PyTorch
    /// OneCycleLR stepped as often, and finishes the cycle with both.
    /// </summary>
    private static Case SchedulerCheckpoint()
    {
        var dtype = DType.Float32;
        const int steps = 4;
        var model = SeededModel(dtype);
        var optimizer = new AdamW(model.Parameters(), lr: 0.01, weightDecay: 0.05);
        var scheduler = new OneCycleLR(optimizer, maxLr: 0.05, totalSteps: 12);
        Train(model, optimizer, steps, dtype, scheduler.Step);
        var checkpoint = new OrderedDictionary<string, object?>
        {
            ["model"] = model.StateDict(),
            ["optimizer"] = optimizer.StateDict(),
            ["scheduler"] = scheduler.StateDict(),
            ["epoch"] = steps,
        };
        return new Case("adamw_onecycle_checkpoint.pt", checkpoint, new JsonObject
        {
            ["kind"] = "scheduler_checkpoint",
            ["model"] = "mlp_batchnorm",
            ["dtype"] = "float32",
            ["optimizer"] = "AdamW",
            ["optimizer_kwargs"] = new JsonObject { ["lr"] = 0.01, ["weight_decay"] = 0.05 },
            ["scheduler"] = "OneCycleLR",
            ["scheduler_kwargs"] = new JsonObject { ["max_lr"] = 0.05, ["total_steps"] = 12 },
        });
    }

    /// <summary>The mlp_batchnorm model of checkpoints.py with seeded parameters.</summary>
    private static Sequential SeededModel(DType dtype)
    {
        var model = new Sequential(new Linear(4, 6, dtype: dtype), new BatchNorm1d(6, dtype: dtype), new Tanh(), new Linear(6, 3, dtype: dtype));
        int seed = 10;
        using (Torch.NoGrad())
            foreach (var p in model.Parameters()) p.Copy_(Seeded(p.Shape, dtype, seed++));
        return model;
    }

    /// <summary><paramref name="steps"/> training steps on seeded batches with MSELoss; <paramref name="afterStep"/> (a scheduler's step) after each.</summary>
    private static void Train(Sequential model, Optimizer optimizer, int steps, DType dtype, Action? afterStep = null)
    {
        var criterion = new MSELoss();
        for (int k = 0; k < steps; k++)
        {
            optimizer.ZeroGrad();
            criterion.Forward(model.Forward(Seeded([8, 4], dtype, 20 + k)), Seeded([8, 3], dtype, 30 + k)).Backward();
            optimizer.Step();
            afterStep?.Invoke();
        }
    }

    /// <summary>
    /// PyTorch's checkpoint of a case in checkpoint_continuations.json.gz, loaded and continued for
    /// its 50 recorded steps (PyTorch's gradients fed in), then saved as {"params", "optimizer", "step"}:
    /// PyTorch compares it with where its own run ended.
    /// </summary>
    private static Case Continued(string fixturesDir, string caseName, string dt)
    {
        var fixture = ReadJsonGz(Path.Combine(fixturesDir, "checkpoint_continuations.json.gz"));
        var c = fixture["cases"]!.AsArray().Single(x => x!["id"]!.GetValue<string>() == $"{caseName}/{dt}")!;
        var dtype = dt == "float32" ? DType.Float32 : DType.Float64;
        var problem = fixture["problem"]!;
        var names = new[] { "W", "b", "s" };
        var atSave = c["params_at_save"]!.AsArray();
        var ps = names.Select((n, i) => FromJson(atSave[i]!, problem[n]!["shape"]!, dtype).RequiresGrad_()).ToArray();
        var kwargs = c["kwargs"]!;
        var optimizer = new SGD(ps, lr: kwargs["lr"]!.GetValue<double>(), momentum: kwargs["momentum"]!.GetValue<double>(),
                                weightDecay: kwargs["weight_decay"]!.GetValue<double>());
        optimizer.LoadStateDict(Torch.Load<OrderedDictionary<string, object?>>(Path.Combine(fixturesDir, c["file"]!.GetValue<string>())));
        var steps = c["continuation"]!.AsArray();
        foreach (var step in steps)
        {
            var grads = step!["grads"]!.AsArray();
            for (int i = 0; i < ps.Length; i++) ps[i].Grad = FromJson(grads[i]!, problem[names[i]]!["shape"]!, dtype);
            optimizer.Step();
        }
        var checkpoint = new OrderedDictionary<string, object?>
        {
            ["params"] = ps.Select(p => p.Detach()).ToList(),
            ["optimizer"] = optimizer.StateDict(),
            ["step"] = c["steps_before_save"]!.GetValue<int>() + steps.Count,
        };
        return new Case($"continued_{caseName}_{dt}.pt", checkpoint, new JsonObject
        {
            ["kind"] = "continuation",
            ["case"] = $"{caseName}/{dt}",
            ["dtype"] = dt,
        });
    }

    /// <summary>A scheduler's state dict is a string-keyed OrderedDictionary (StepLR's keys, after 7 steps).</summary>
    private static Case SchedulerLikeState()
    {
        var state = new OrderedDictionary<string, object?>
        {
            ["step_size"] = 30,
            ["gamma"] = 0.1,
            ["base_lrs"] = new List<double> { 0.05 },
            ["last_epoch"] = 7,
            ["_step_count"] = 8,
            ["_is_initial"] = false,
            ["_get_lr_called_within_step"] = false,
            ["_last_lr"] = new List<double> { 0.05 },
        };
        return new Case("scheduler_state.pt", state, new JsonObject
        {
            ["kind"] = "scheduler",
            ["scheduler"] = "StepLR",
            ["kwargs"] = new JsonObject { ["step_size"] = 30, ["gamma"] = 0.1 },
            ["lr"] = 0.05,
        });
    }

    /// <summary>Every kind of value Torch.Save writes.</summary>
    private static Case Values()
    {
        var shared = Torch.Arange(12, DType.Float32);
        var tensor = Torch.Tensor([1.0, -2.0], [2]);
        var values = new OrderedDictionary<string, object?>
        {
            ["float32"] = Torch.Tensor([1.5f, -2.25f, 3e-38f, float.Epsilon], [2, 2]),
            ["float64"] = Seeded([2, 3], DType.Float64, 40),
            ["int64"] = Torch.Tensor([long.MinValue, -1L, 0L, long.MaxValue], [4]),
            ["bool"] = Torch.Tensor([true, false, true], [1, 3]),
            ["scalar"] = Torch.Scalar(2.5, DType.Float64),
            ["empty"] = Torch.Zeros([0, 3], DType.Float32),
            ["empty_inner"] = Torch.Zeros([3, 0, 2], DType.Float64),
            ["three_d"] = Seeded([2, 3, 4], DType.Float32, 41),
            ["special_floats"] = Torch.Tensor([double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon], [5]),
            ["storage"] = shared,
            ["slice"] = shared.Narrow(0, 4, 5),             // a view at offset 4 of the same storage
            ["reshaped"] = shared.Reshape(3, 4),           // another view of it
            ["same_tensor_twice"] = new List<object?> { tensor, tensor },
            ["parameter"] = new Parameter(Torch.Tensor([1f, 2f], [2])),
            ["frozen_parameter"] = new Parameter(Torch.Tensor([3f], [1]), requiresGrad: false),
            ["requires_grad"] = Torch.Tensor([4.0], [1], requiresGrad: true),
            ["ints"] = new List<object?> { 0, 1, -1, 255, 256, 65535, 65536, int.MaxValue, int.MinValue, 1L << 31, -(1L << 31) - 1, long.MaxValue, long.MinValue, (short)-3, (byte)7, 3u, 4UL },
            ["floats"] = new List<object?> { 0.5, -0.0, 1e308, double.Epsilon, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.1f },
            ["strings"] = new List<object?> { "", "ascii", "ünïcødé ✓", "😀", "line\nbreak" },
            ["none_true_false"] = new List<object?> { null, true, false },
            ["tuples"] = new List<object?> { PyTuple.Empty, new PyTuple(1L), (1, 2.5), (1, "a", (object?)null), (1, 2, 3, 4, 5), new PyTuple(new PyTuple(1L, 2L), new List<object?> { 3L }) },
            ["int_keys"] = new OrderedDictionary<object, object?> { [0] = "a", [1L] = "b", [-5] = "c", [1L << 40] = "d" },
            ["mixed_keys"] = new OrderedDictionary<object, object?> { [(1, 2)] = "tuple", [0.5] = "float", [true] = "bool", ["s"] = "str" },
            ["nested"] = new OrderedDictionary<string, object?> { ["a"] = new OrderedDictionary<string, object?> { ["b"] = new List<object?> { 1, new List<object?> { 2, new PyTuple() } } } },
            ["typed_lists"] = new List<object?> { new List<int> { 1, 2 }, new List<string> { "x" }, new double[] { 0.25, 2 }, Array.Empty<long>() },
            ["bytes"] = new byte[] { 0, 255, (byte)'a' },
            ["empty_bytes"] = Array.Empty<byte>(),
            ["dtypes"] = new List<object?> { DType.Float32, DType.Float64, DType.Int64, DType.Bool },
            ["module_state"] = new Sequential(new Linear(2, 2), new BatchNorm1d(2)).StateDict(),
        };
        int seed = 50;
        using (Torch.NoGrad())
            foreach (var t in ((OrderedDictionary<string, Tensor>)values["module_state"]!).Values)
                if (t.IsFloatingPoint) t.Copy_(Seeded(t.Shape, t.DType, seed++));
        return new Case("values.pt", values, new JsonObject { ["kind"] = "values" });
    }

    /// <summary>Standard normal values from a generator of their own (never the shared default one).</summary>
    private static Tensor Seeded(int[] shape, DType dtype, long seed) => Torch.Randn(shape, dtype, new Generator(seed));

    private static Tensor FromJson(JsonNode flat, JsonNode shape, DType dtype)
    {
        var data = flat.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        return Torch.Tensor(data, shape.AsArray().Select(d => d!.GetValue<int>()).ToArray()).To(dtype);
    }

    private static JsonNode ReadJsonGz(string path)
    {
        using var file = File.OpenRead(path);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        return JsonNode.Parse(gz)!;
    }

    // ---------------------------------------------------------------- the manifest

    /// <summary>
    /// A value as the PyTorch side expects to find it: {"tensor": dtype, "shape", "requires_grad",
    /// "data"}, {"dict": [[key, value], ...], "ordered"}, {"list": [...]}, {"tuple": [...]},
    /// {"int": n}, {"float": "text"} (round-trip text, so -0.0, nan and inf survive JSON), {"str"},
    /// {"bool"}, {"none": true}, {"bytes": hex}, {"dtype": name}. Parameters add "parameter": true.
    /// </summary>
    public static JsonNode Tag(object? value) => value switch
    {
        null => new JsonObject { ["none"] = true },
        bool b => new JsonObject { ["bool"] = b },
        string s => new JsonObject { ["str"] = s },
        double or float => new JsonObject { ["float"] = FloatText(Convert.ToDouble(value, CultureInfo.InvariantCulture)) },
        int or long or short or sbyte or byte or ushort or uint or ulong => new JsonObject { ["int"] = Convert.ToInt64(value, CultureInfo.InvariantCulture) },
        DType d => new JsonObject { ["dtype"] = d.TorchName() },
        byte[] bytes => new JsonObject { ["bytes"] = Convert.ToHexStringLower(bytes) },
        Tensor t => TagTensor(t),
        OptimizerStateDict sd => Tag(new OrderedDictionary<string, object?> { ["state"] = sd.State, ["param_groups"] = sd.ParamGroups }),
        IDictionary dict => new JsonObject
        {
            ["dict"] = new JsonArray(Entries(dict).Select(e => (JsonNode)new JsonArray(Tag(e.Key), Tag(e.Value))).ToArray()),
            ["ordered"] = dict is OrderedDictionary<string, Tensor>,
        },
        ITuple tuple => new JsonObject { ["tuple"] = new JsonArray(Enumerable.Range(0, tuple.Length).Select(i => Tag(tuple[i])).ToArray()) },
        IList list => new JsonObject { ["list"] = new JsonArray(list.Cast<object?>().Select(Tag).ToArray()) },
        _ => throw new ArgumentException($"no tag for {value.GetType().Name}"),
    };

    /// <summary>The entries in order (enumerating an IDictionary as IEnumerable would give KeyValuePairs).</summary>
    private static IEnumerable<DictionaryEntry> Entries(IDictionary dict)
    {
        var e = dict.GetEnumerator();
        while (e.MoveNext()) yield return e.Entry;
    }

    private static JsonObject TagTensor(Tensor t)
    {
        var data = new JsonArray();
        switch (t.DType)
        {
            case DType.Int64: foreach (var v in t.ToArray<long>()) data.Add(v); break;
            case DType.Bool: foreach (var v in t.ToArray<bool>()) data.Add(v); break;
            default: foreach (var v in t.ToDoubleArray()) data.Add(FloatText(v)); break;
        }
        var tag = new JsonObject
        {
            ["tensor"] = t.DType.TorchName(),
            ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
            ["requires_grad"] = t.RequiresGrad,
            ["data"] = data,
        };
        if (t is Parameter) tag["parameter"] = true;
        return tag;
    }

    private static string FloatText(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public static string ManifestText(JsonArray manifest)
        => manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
}
