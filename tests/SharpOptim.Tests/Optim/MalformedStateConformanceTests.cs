using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Malformed optimizer state against PyTorch's recorded behaviour (<c>atomic_state.json</c>, made
/// by tools/golden/atomic_state.py) on each of our paths: a state dict missing a key fails where
/// PyTorch fails (at load for the 0-d state its <c>__setstate__</c> reads, else at the next step),
/// with PyTorch's text (a KeyError's quoted key, Adafactor's assertions) and changing nothing;
/// int64 state tensors load as the parameter's dtype, as PyTorch casts them; a plain-number step
/// fails with PyTorch's message. (RMSprop makes its optional buffers where PyTorch's step raises:
/// see <see cref="MalformedState.StepRefusesMissing"/>.)
/// </summary>
public class MalformedStateConformanceTests
{
    public static TheoryData<string, string> Cases() => MalformedState.AlgorithmPaths();

    /// <summary>PyTorch's message inside ours: a KeyError's (its key) quoted, as Python prints the exception.</summary>
    private static string ExpectedText(JsonNode outcome)
        => outcome["type"]!.GetValue<string>() == "KeyError" ? $"'{outcome["message"]}'" : outcome["message"]!.GetValue<string>();

    [Theory]
    [MemberData(nameof(Cases))]
    public void MissingKeyFailsWhereAndAsPyTorch(string algorithm, string path)
    {
        foreach (var record in MalformedState.Fixture["missing_key"]!.AsArray().Where(r => r!["algorithm"]!.GetValue<string>() == algorithm))
        {
            string key = record!["key"]!.GetValue<string>();
            string where = $"{algorithm} ({path}) without '{key}'";

            // Loading a state dict without the key.
            var (source, _) = MalformedState.Stepped(algorithm, path);
            var saved = source.StateDict().DeepCopy();
            saved.State[1].Remove(key);
            var (target, _) = MalformedState.Stepped(algorithm, path);
            var load = record["load"]!;
            if (load["kind"]!.GetValue<string>() == "error")
            {
                var before = MalformedState.Snapshot(target);
                var error = Assert.Throws<ArgumentException>(() => target.LoadStateDict(saved));
                Assert.True(error.Message.Contains("parameter 1") && error.Message.Contains(ExpectedText(load)), $"{where}, load: {error.Message}");
                Assert.True(before == MalformedState.Snapshot(target), $"{where}: the failed load changed the optimizer");
            }
            else target.LoadStateDict(saved);

            // A step after removing the key from the live state.
            var (optimizer, ps) = MalformedState.Stepped(algorithm, path);
            optimizer.State[ps[1]].Remove(key);
            var step = record["step"]!;
            if (MalformedState.StepRefusesMissing(algorithm, key))
            {
                var before = MalformedState.Snapshot(optimizer);
                var error = Assert.Throws<InvalidOperationException>(() => optimizer.Step());
                Assert.True(error.Message.Contains("parameter 1") && error.Message.Contains(ExpectedText(step)), $"{where}, step: {error.Message}");
                Assert.True(before == MalformedState.Snapshot(optimizer), $"{where}: the failed step changed something");
            }
            else
            {
                optimizer.Step();
                Assert.True(optimizer.State[ps[1]].ContainsKey(key), $"{where}: the step did not make the entry again");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Int64StateLoadsAsPyTorchCastsIt(string algorithm, string path)
    {
        foreach (var record in MalformedState.Fixture["int64_state"]!.AsArray().Where(r => r!["algorithm"]!.GetValue<string>() == algorithm))
        {
            string key = record!["key"]!.GetValue<string>();
            var (source, _) = MalformedState.Stepped(algorithm, path);
            var saved = source.StateDict().DeepCopy();
            saved.State[1][key] = ((Tensor)saved.State[1][key]!).To(DType.Int64);
            var (target, ps) = MalformedState.Stepped(algorithm, path);
            target.LoadStateDict(saved);
            var state = target.State[ps[1]];
            foreach (var (entry, dtype) in record["dtypes"]!.AsObject())
                Assert.True(dtype is null ? state[entry] is not Tensor : state[entry] is Tensor t && t.DType.TorchName() == dtype.GetValue<string>(),
                            $"{algorithm} ({path}) with int64 '{key}': '{entry}' is {state[entry]}, PyTorch's is {dtype?.ToString() ?? "a number"}");
            Assert.Equal("ok", record["step_after_load"]!["kind"]!.GetValue<string>());
            target.Step();
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PlainNumberStepFailsAsPyTorch(string algorithm, string path)
    {
        var record = MalformedState.Fixture["nontensor_step"]!.AsArray().SingleOrDefault(r => r!["algorithm"]!.GetValue<string>() == algorithm);
        if (record is null) return;   // a step that is not a tensor in PyTorch either (SGD, Muon, SparseAdam)
        var (optimizer, ps) = MalformedState.Stepped(algorithm, path);
        optimizer.State[ps[1]]["step"] = 3;
        var before = MalformedState.Snapshot(optimizer);
        var error = Assert.Throws<InvalidOperationException>(() => optimizer.Step());
        Assert.Contains("parameter 1 has 'step'", error.Message);
        var step = record["step"]!;
        // PyTorch's ASGD takes the number and never counts it (its for-loop rebinds a local); refused here.
        if (step["kind"]!.GetValue<string>() == "error") Assert.Contains(step["message"]!.GetValue<string>(), error.Message);
        else Assert.Equal("ASGD", algorithm);
        Assert.Equal(before, MalformedState.Snapshot(optimizer));
    }

    /// <summary>The issue's trigger: a checkpoint saved without amsgrad, resumed with it switched on.</summary>
    [Theory]
    [InlineData("reference")]
    [InlineData("foreach")]
    [InlineData("fused")]
    [InlineData("default")]
    public void AmsgradSwitchedOnAfterLoadFailsAsPyTorch(string path)
    {
        var record = MalformedState.Fixture["amsgrad_resume"]!;
        Assert.Equal("ok", record["load"]!["kind"]!.GetValue<string>());
        var generator = new Generator(11);
        Tensor[] Params() => [Torch.Randn([2, 3], generator: generator).RequiresGrad_(), Torch.Randn([3], generator: generator).RequiresGrad_()];
        var (saved, resumed) = (Params(), Params());
        var plain = new Adam(saved, @foreach: RecordedKwargs.ForeachFor(path), fused: RecordedKwargs.FusedFor(path));
        var optimizer = new Adam(resumed, @foreach: RecordedKwargs.ForeachFor(path), fused: RecordedKwargs.FusedFor(path));
        foreach (var p in saved.Concat(resumed)) p.Grad = Torch.Randn(p.ShapeRef, generator: generator);
        plain.Step();
        optimizer.Step();
        optimizer.LoadStateDict(plain.StateDict());
        optimizer.ParamGroups[0]["amsgrad"] = true;
        var before = MalformedState.Snapshot(optimizer);
        var error = Assert.Throws<InvalidOperationException>(() => optimizer.Step());
        Assert.Contains($"parameter 0 has no {ExpectedText(record["step"]!)}", error.Message);
        Assert.False(record["step_changed"]!.GetValue<bool>());
        Assert.Equal(before, MalformedState.Snapshot(optimizer));
    }
}
