using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// A step that refuses a parameter's state changes nothing. Every
/// algorithm on every path is stepped twice (every parameter has state, step counters at 2), then
/// one entry of a later parameter is spoilt in turn (in the first group, and in a second group)
/// and the step must throw a clear error naming the parameter's index and the key, leaving every
/// parameter, gradient and state entry (step counters included) bit-identical. Before the fix the
/// kernels counted the steps of the parameters before the bad one (and updated whole groups
/// before a bad one in a later group), and a wrong size failed with "Specified argument was out
/// of the range of valid values" or a NullReferenceException.
/// </summary>
public class AtomicStepTests
{
    public static TheoryData<string, string> Cases() => MalformedState.AlgorithmPaths();

    /// <summary>A key removed from the state (PyTorch's KeyError).</summary>
    private static readonly object Missing = new();

    [Theory]
    [MemberData(nameof(Cases))]
    public void RefusedEntryChangesNothing(string algorithm, string path)
    {
        var (optimizer, ps) = MalformedState.Stepped(algorithm, path, secondGroup: true);
        int refused = 0;
        foreach (int target in new[] { 1, 2 })
        {
            var state = optimizer.State[ps[target]];
            foreach (var key in state.Keys.ToList())
            {
                var original = state[key];
                int position = state.IndexOf(key);
                foreach (var (what, spoilt) in Spoilt(algorithm, key, original))
                {
                    if (spoilt == Missing) state.Remove(key);
                    else state[key] = spoilt;
                    string where = $"{algorithm} ({path}), parameter {target}, '{key}' {what}";
                    var before = MalformedState.Snapshot(optimizer);

                    var error = Assert.Throws<InvalidOperationException>(() => optimizer.Step());
                    Assert.True(error.Message.Contains($"parameter {target}") && error.Message.Contains($"'{key}'"),
                                $"{where}: the message does not name the parameter and the key: {error.Message}");
                    Assert.True(before == MalformedState.Snapshot(optimizer), $"{where}: the failed step changed something");

                    state.Remove(key);
                    state.Insert(position, key, original);
                    refused++;
                }
            }
        }
        Assert.True(refused >= 8, $"only {refused} spoilt entries were tried");
        optimizer.Step();   // the restored state steps
    }

    /// <summary>
    /// The ways to spoil an entry: removed (where the step refuses that: PyTorch's KeyError; SGD and
    /// Muon make a missing momentum buffer, RMSprop its optional buffers), not a tensor, and for a
    /// tensor a wrong size; a state tensor of the parameter's shape also with another dtype and
    /// reshaped (same element count: the kernels would run over it).
    /// </summary>
    private static IEnumerable<(string What, object Spoilt)> Spoilt(string algorithm, string key, object? value)
    {
        if (MalformedState.StepRefusesMissing(algorithm, key)) yield return ("missing", Missing);
        yield return ("not a tensor", "oops");
        if (value is not Tensor t) yield break;
        yield return ("with one element more", Torch.Zeros([t.Numel + 1], t.DType));
        if (t.Dim == 0) yield break;
        yield return ("as float64", t.To(DType.Float64));
        yield return ("reshaped", t.Clone().Reshape(t.Dim == 1 ? [t.Numel, 1] : [t.Numel]));
    }

    /// <summary>
    /// A state tensor that was right where it was is checked again where it moves: into another
    /// parameter's state, or under another key of the same one.
    /// </summary>
    [Theory]
    [InlineData("Adam")]
    [InlineData("Adafactor-matrix-last")]
    public void ATensorCheckedBeforeIsCheckedAgainWhereItMoves(string algorithm)
    {
        var (optimizer, ps) = MalformedState.Stepped(algorithm, "default");
        var (first, second) = (optimizer.State[ps[0]], optimizer.State[ps[1]]);
        // Adam: parameter 0's exp_avg (shape [2, 3]) as parameter 1's (shape [3]); Adafactor, on the
        // matrix: row_var (shape [2, 1]) as col_var (shape [1, 3]).
        var (key, moved) = algorithm == "Adam" ? ("exp_avg", first["exp_avg"]) : ("col_var", second["row_var"]);
        second[key] = moved;
        var before = MalformedState.Snapshot(optimizer);
        var error = Assert.Throws<InvalidOperationException>(() => optimizer.Step());
        Assert.Contains($"parameter 1 has '{key}' of shape", error.Message);
        Assert.Equal(before, MalformedState.Snapshot(optimizer));
    }

    /// <summary>
    /// LBFGS keeps its whole state on the first parameter; a spoilt entry is refused before the
    /// closure runs (PyTorch runs the closure, counts the evaluation, then fails).
    /// </summary>
    [Fact]
    public void LbfgsRefusesASpoiltStateBeforeTheClosure()
    {
        var generator = new Generator(3);
        var w = Torch.Randn([3], generator: generator).RequiresGrad_();
        var b = Torch.Randn([2], generator: generator).RequiresGrad_();
        var optimizer = new LBFGS([w, b], historySize: 3);
        int calls = 0;
        Tensor Closure()
        {
            calls++;
            optimizer.ZeroGrad();
            var loss = w.Square().Sum().Add(b.Sub(1).Square().Sum()).Mul(0.5);
            loss.Backward();
            return loss;
        }
        optimizer.Step(Closure);
        optimizer.Step(Closure);
        var state = optimizer.State[w];
        foreach (var (key, spoilt) in new (string, object)[]
                 {
                     ("func_evals", "oops"), ("n_iter", 1.5), ("d", Torch.Zeros([4])), ("prev_flat_grad", Torch.Zeros([5, 1])),
                     ("old_dirs", new List<Tensor> { Torch.Zeros([4]) }), ("ro", new List<Tensor> { Torch.Zeros([2]) }),
                     ("t", "oops"), ("H_diag", Torch.Zeros([2])),
                 })
        {
            var original = state[key];
            int position = state.IndexOf(key);
            state[key] = spoilt;
            var before = MalformedState.Snapshot(optimizer);
            calls = 0;
            var error = Assert.Throws<InvalidOperationException>(() => optimizer.Step(Closure));
            Assert.Contains($"parameter 0 has '{key}'", error.Message);
            Assert.Equal(0, calls);
            Assert.Equal(before, MalformedState.Snapshot(optimizer));
            state.Remove(key);
            state.Insert(position, key, original);
        }
        optimizer.Step(Closure);
    }
}
