using System.Collections;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Serialization;
using Xunit;

namespace SharpOptim.Tests.Serialization;

/// <summary>SharpOptim to SharpOptim: what Torch.Save writes, Torch.Load gives back, and the state dict APIs take it.</summary>
public class CheckpointRoundTripTests
{
    private static object? RoundTrip(object? value)
    {
        using var stream = new MemoryStream();
        Torch.Save(value, stream);
        stream.Position = 0;
        return Torch.Load(stream);
    }

    private static Tensor[] MakeParams(DType dtype, long seed)
    {
        var g = new Generator(seed);
        return [Torch.Randn([3, 4], dtype, g).RequiresGrad_(), Torch.Randn([3], dtype, g).RequiresGrad_(), Torch.Randn([], dtype, g).RequiresGrad_()];
    }

    private static void StepWithGrads(Optimizer optimizer, Tensor[] ps, Generator g)
    {
        foreach (var p in ps) p.Grad = Torch.Randn(p.Shape, p.DType, g);
        optimizer.Step();
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void AnOptimizerRestoredFromAFileContinuesBitForBit(DType dtype)
    {
        var ps = MakeParams(dtype, 1);
        var original = new SGD(ps, lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01);
        var grads = new Generator(2);
        for (int k = 0; k < 3; k++) StepWithGrads(original, ps, grads);

        var loaded = Assert.IsType<OrderedDictionary<string, object?>>(RoundTrip(original.StateDict()));
        var copies = ps.Select(p => p.Detach().Clone().RequiresGrad_()).ToArray();
        var resumed = new SGD(copies, lr: 0.5);
        resumed.LoadStateDict(loaded);
        Assert.Equal(0.1, resumed.ParamGroups[0].Lr);

        var g1 = new Generator(3);
        var g2 = new Generator(3);
        for (int k = 0; k < 5; k++)
        {
            StepWithGrads(original, ps, g1);
            StepWithGrads(resumed, copies, g2);
        }
        for (int i = 0; i < ps.Length; i++)
        {
            Assert.Equal(ps[i].ToDoubleArray(), copies[i].ToDoubleArray());
            Assert.Equal(((Tensor)original.State[ps[i]]["momentum_buffer"]!).ToDoubleArray(), ((Tensor)resumed.State[copies[i]]["momentum_buffer"]!).ToDoubleArray());
        }
    }

    [Fact]
    public void TheUsualCheckpointIdiomRestoresModelOptimizerAndEpoch()
    {
        static Sequential Model() => new(new Linear(4, 6, dtype: DType.Float64), new BatchNorm1d(6, dtype: DType.Float64), new Tanh(), new Linear(6, 3, dtype: DType.Float64));
        var model = Model();
        var optimizer = new SGD(model.Parameters(), lr: 0.1, momentum: 0.9);
        var data = new Generator(5);
        for (int k = 0; k < 2; k++)
        {
            optimizer.ZeroGrad();
            new MSELoss().Forward(model.Forward(Torch.Randn([8, 4], DType.Float64, data)), Torch.Randn([8, 3], DType.Float64, data)).Backward();
            optimizer.Step();
        }
        string path = Path.Combine(Path.GetTempPath(), $"sharpoptim-{Guid.NewGuid():N}.pt");
        try
        {
            Torch.Save(new OrderedDictionary<string, object?> { ["model"] = model.StateDict(), ["optimizer"] = optimizer.StateDict(), ["epoch"] = 2 }, path);

            var checkpoint = Torch.Load<OrderedDictionary<string, object?>>(path);
            var restored = Model();
            var restoredOptimizer = new SGD(restored.Parameters(), lr: 0.1, momentum: 0.9);
            var result = restored.LoadStateDict((IReadOnlyDictionary<string, object?>)checkpoint["model"]!);
            restoredOptimizer.LoadStateDict((IReadOnlyDictionary<string, object?>)checkpoint["optimizer"]!);
            Assert.Empty(result.MissingKeys);
            Assert.Equal(2L, checkpoint["epoch"]);
            foreach (var ((name, mine), (_, theirs)) in model.StateDict().Zip(restored.StateDict()))
                Assert.True(mine.ToDoubleArray().SequenceEqual(theirs.ToDoubleArray()), name);
            var before = optimizer.StateDict();
            var after = restoredOptimizer.StateDict();
            Assert.Equal(before.ParamGroups.Select(g => string.Join(",", g.Keys)), after.ParamGroups.Select(g => string.Join(",", g.Keys)));
            foreach (var (key, state) in before.State)
                Assert.Equal(((Tensor)state["momentum_buffer"]!).ToDoubleArray(), ((Tensor)after.State[key]["momentum_buffer"]!).ToDoubleArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ValuesComeBackAsTheDocumentedTypes()
    {
        var storage = Torch.Arange(10, DType.Float32);
        var shared = Torch.Tensor([1.0, 2.0], [2]);
        var x = Torch.Tensor([1.0, 2.0], [2], requiresGrad: true);
        var set = (HashSet<object>)((OrderedDictionary<string, object?>)RoundTrip(new OrderedDictionary<string, object?> { ["s"] = new HashSet<object> { 1L, "a" } })!)["s"]!;
        var value = new OrderedDictionary<string, object?>
        {
            ["int"] = 3,
            ["float"] = 0.25f,
            ["tuple"] = (1, 2.5),
            ["list"] = new List<int> { 1, 2 },
            ["bytes"] = new byte[] { 1, 2, 3 },
            ["dtype"] = DType.Bool,
            ["none"] = null,
            ["keys"] = new Dictionary<object, object?> { [2] = "two", [(1, "x")] = true },
            ["set"] = set,
            ["parameter"] = new Parameter(Torch.Ones(2)),
            ["non_leaf"] = x.Mul(2),
            ["slice"] = storage.Narrow(0, 2, 3),
            ["view"] = storage.Reshape(2, 5),
            ["twice"] = new List<object?> { shared, shared },
            ["int64"] = Torch.Tensor([long.MaxValue, -1L], [2]),
            ["bool"] = Torch.Tensor([true, false], [2]),
        };
        var loaded = Assert.IsType<OrderedDictionary<string, object?>>(RoundTrip(value));
        Assert.Equal(value.Keys, loaded.Keys);
        Assert.Equal(3L, loaded["int"]);
        Assert.Equal(0.25, loaded["float"]);
        Assert.Equal(new PyTuple(1L, 2.5), loaded["tuple"]);
        Assert.Equal(new List<object?> { 1L, 2L }, loaded["list"]);
        Assert.Equal(new byte[] { 1, 2, 3 }, loaded["bytes"]);
        Assert.Equal(DType.Bool, loaded["dtype"]);
        Assert.Null(loaded["none"]);
        var keys = Assert.IsType<OrderedDictionary<object, object?>>(loaded["keys"]);
        Assert.Equal("two", keys[2L]);
        Assert.Equal(true, keys[new PyTuple(1L, "x")]);
        Assert.True(Assert.IsType<HashSet<object>>(loaded["set"]).SetEquals(new object[] { 1L, "a" }));
        Assert.True(Assert.IsType<Parameter>(loaded["parameter"]).RequiresGrad);
        var nonLeaf = Assert.IsType<Tensor>(loaded["non_leaf"]);
        Assert.True(nonLeaf.IsLeaf && nonLeaf.RequiresGrad);           // as torch.load gives it back
        var slice = (Tensor)loaded["slice"]!;
        var view = (Tensor)loaded["view"]!;
        view.AsSpan<float>()[3] = 42;
        Assert.Equal([2f, 42f, 4f], slice.ToArray<float>());          // still views of one storage
        var twice = (List<object?>)loaded["twice"]!;
        Assert.Same(twice[0], twice[1]);
        Assert.Equal([long.MaxValue, -1L], ((Tensor)loaded["int64"]!).ToArray<long>());
        Assert.Equal([true, false], ((Tensor)loaded["bool"]!).ToArray<bool>());
    }

    [Fact]
    public void SaveRefusesWhatItCannotWriteAndLeavesNoFile()
    {
        var cycle = new List<object?>();
        cycle.Add(cycle);
        object deep = new List<object?>();
        for (int i = 0; i < 300; i++) deep = new List<object?> { deep };
        var sparse = Torch.SparseCooTensor(Torch.Tensor([0L, 1L], [1, 2]), Torch.Tensor([1.0, 2.0], [2]), [3]);
        var cases = new (object Value, Type Exception, string Message)[]
        {
            (new object(), typeof(ArgumentException), "cannot save the Object at the top level"),
            (new List<object?> { new HashSet<int> { 1 } }, typeof(ArgumentException), "cannot save the HashSet`1 at checkpoint[0]"),
            (cycle, typeof(ArgumentException), "contains itself"),
            (deep, typeof(ArgumentException), "nested more than 256 levels deep"),
            (new Dictionary<object, object?> { [new List<int>()] = 1 }, typeof(ArgumentException), "has a key of type List`1"),
            (new OrderedDictionary<string, object?> { ["g"] = sparse }, typeof(NotSupportedException), "the tensor at checkpoint['g'] is sparse"),
        };
        foreach (var (value, exception, message) in cases)
        {
            string path = Path.Combine(Path.GetTempPath(), $"sharpoptim-{Guid.NewGuid():N}.pt");
            var e = Assert.Throws(exception, () => Torch.Save(value, path));
            Assert.Contains(message, e.Message);
            Assert.False(File.Exists(path));
        }
    }

    [Theory]
    [InlineData("checkpoints/opt.pt", "opt")]
    [InlineData(@"C:\runs\model.best.pt", "model.best")]
    [InlineData("noextension", "noextension")]
    [InlineData("dir.d/file", "file")]
    [InlineData(".pt", "archive")]
    [InlineData("runs/ünïcode.pt", "archive")]
    public void TheArchiveFolderIsNamedAfterTheFileAsPyTorchNamesIt(string path, string archive)
        => Assert.Equal(archive, CheckpointWriter.ArchiveNameFor(path));

    [Fact]
    public void AStreamGetsTheArchiveFolderPyTorchUsesForBuffers()
    {
        using var stream = new MemoryStream();
        Torch.Save(1, stream);
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(stream.ToArray()));
        Assert.All(zip.Entries, e => Assert.StartsWith("archive/", e.FullName));
    }

    [Fact]
    public void ANonSeekableStreamLoads()
    {
        using var stream = new MemoryStream();
        Torch.Save(new List<object?> { 1, "two" }, stream);
        Assert.Equal(new List<object?> { 1L, "two" }, Torch.Load(new ForwardOnlyStream(stream.ToArray())));
    }

    [Fact]
    public void LoadOfTheWrongTypeSaysWhatTheFileHolds()
    {
        using var stream = new MemoryStream();
        Torch.Save(new OrderedDictionary<string, object?>(), stream);
        stream.Position = 0;
        var e = Assert.Throws<CheckpointFormatException>(() => Torch.Load<List<object?>>(stream));
        Assert.Contains("holds a OrderedDictionary`2, not a List`1", e.Message);
    }

    [Fact]
    public void ModuleLoadStateDictRefusesANonTensorAndChangesNothing()
    {
        var model = new Linear(2, 2);
        var before = model.Weight.ToDoubleArray();
        var e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(new OrderedDictionary<string, object?> { ["weight"] = Torch.Zeros(2, 2), ["bias"] = "zeros" }));
        Assert.Contains("state_dict entry \"bias\" is a String, not a tensor", e.Message);
        Assert.Equal(before, model.Weight.ToDoubleArray());
    }

    [Fact]
    public void OptimizerLoadStateDictRefusesMalformedDictsAndChangesNothing()
    {
        var p = Torch.Ones([2], requiresGrad: true);
        var optimizer = new SGD([p], lr: 0.1, momentum: 0.9);
        var good = Assert.IsType<OrderedDictionary<string, object?>>(RoundTrip(optimizer.StateDict()));
        var bad = new (OrderedDictionary<string, object?> Dict, string Message)[]
        {
            (new() { ["param_groups"] = good["param_groups"] }, "needs a 'state' dictionary"),
            (new() { ["state"] = good["state"] }, "needs a 'param_groups' list"),
            (new() { ["state"] = new OrderedDictionary<object, object?> { ["x"] = new OrderedDictionary<string, object?>() }, ["param_groups"] = good["param_groups"] }, "keyed by x (String), not a parameter index"),
            (new() { ["state"] = new OrderedDictionary<object, object?> { [0L] = 5L }, ["param_groups"] = good["param_groups"] }, "state for parameter 0 is 5 (Int64), not a dictionary"),
            (new() { ["state"] = good["state"], ["param_groups"] = new List<object?> { new OrderedDictionary<string, object?> { ["params"] = new List<object?> { "a" } } } }, "lists a parameter id that is not an integer"),
        };
        foreach (var (dict, message) in bad)
        {
            var e = Assert.Throws<ArgumentException>(() => optimizer.LoadStateDict(dict));
            Assert.Contains(message, e.Message);
            Assert.Equal(0.1, optimizer.ParamGroups[0].Lr);
        }
        optimizer.LoadStateDict(good);
    }

    [Fact]
    public void PyTupleIsAStructuralValue()
    {
        var a = new PyTuple(1L, "x", new PyTuple(2.5));
        var b = new PyTuple(new List<object?> { 1L, "x", new PyTuple(2.5) });
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, new PyTuple(1L, "x"));
        Assert.Equal("(1, 'x', (2.5,))", a.ToString());
        Assert.Equal("()", PyTuple.Empty.ToString());
        Assert.Equal(3, a.Count);
        Assert.Equal("x", ((System.Runtime.CompilerServices.ITuple)a)[1]);
    }

    /// <summary>A stream that can only be read forward (a pipe or a network response).</summary>
    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
