using SharpOptim;
using SharpOptim.Data;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Optim;
using Xunit;

namespace SharpOptim.Tests.Tensors;

/// <summary>
/// Generator.GetState/SetState and Torch.GetRngState/SetRngState: a restored state continues the
/// stream exactly, a tensor that is not a state is refused and changes nothing, and a training run
/// with dropout and a shuffling DataLoader resumed from a checkpoint continues bit for bit.
/// Isolated: the default generator is shared by every test that builds a layer.
/// </summary>
[Collection(IsolatedTestsCollection.Name)]
public class GeneratorStateTests
{
    private static double[] Draws(Generator g) => [g.NextDouble(), g.NextNormal(), g.NextNormal(), g.NextUInt64(), g.NextNormal()];

    [Fact]
    public void ARestoredStateContinuesTheStreamExactly()
    {
        var g = new Generator(42);
        g.NextNormal();   // leaves a spare normal sample, which is part of the state
        var state = g.GetState();
        Assert.Equal(DType.Int64, state.DType);
        Assert.Equal([Generator.StateLength], state.Shape);
        var expected = Draws(g);

        var other = new Generator(7).SetState(state);
        Assert.Equal(expected, Draws(other));
        Assert.Equal(42, other.InitialSeed);
        g.SetState(state);
        Assert.Equal(expected, Draws(g));
        // The state is a copy: drawing does not change a state already taken.
        Assert.Equal(state.ToArray<long>(), new Generator(7).SetState(state).GetState().ToArray<long>());
    }

    [Fact]
    public void TheDefaultGeneratorsStateDrivesDropoutAndShuffling()
    {
        Torch.ManualSeed(3);
        var state = Torch.GetRngState();
        var order = Torch.RandPerm(20).ToArray<long>();
        var kept = Functional.Dropout(Torch.Ones(50)).ToArray<float>();
        Torch.ManualSeed(4);
        Torch.SetRngState(state);
        Assert.Equal(order, Torch.RandPerm(20).ToArray<long>());
        Assert.Equal(kept, Functional.Dropout(Torch.Ones(50)).ToArray<float>());
    }

    public static TheoryData<string, Func<Tensor, Tensor>, string> NotAState() => new()
    {
        { "float64", s => s.To(DType.Float64), "got a float64 tensor of shape [8]" },
        { "too short", s => s.Narrow(0, 0, 7).Clone(), "got a int64 tensor of shape [7]" },
        { "2-D", s => s.Reshape(2, 4), "got a int64 tensor of shape [2, 4]" },
        { "another tag", s => With(s, 0, 12345), "not 0x0000000000003039" },
        { "all-zero stream", s => With(With(With(With(s, 1, 0), 2, 0), 3, 0), 4, 0), "stream words are all zero" },
        { "bad spare flag", s => With(s, 6, 2), "element 6" },
        { "spare bits without a spare", s => With(With(s, 6, 0), 7, 99), "element 7 must be 0" },
    };

    private static Tensor With(Tensor state, int index, long value)
    {
        var words = state.ToArray<long>();
        words[index] = value;
        return Torch.Tensor(words);
    }

    [Theory]
    [MemberData(nameof(NotAState))]
    public void ATensorThatIsNotAStateIsRefusedAndChangesNothing(string kind, Func<Tensor, Tensor> spoil, string message)
    {
        var g = new Generator(5);
        g.NextNormal();
        var before = g.GetState();
        var bad = spoil(before);
        var e = Assert.Throws<ArgumentException>(() => g.SetState(bad));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("a generator state is the 1-D int64 tensor of 8 elements that Generator.GetState returns", e.Message);
        Assert.Equal(before.ToArray<long>(), g.GetState().ToArray<long>());
        Assert.NotNull(kind);
    }

    /// <summary>
    /// PyTorch's resume idiom: model, optimizer and <c>torch.get_rng_state()</c> in one
    /// checkpoint. Dropout masks and the DataLoader's shuffled orders come from the default
    /// generator, so 4 epochs straight and 2 + resume + 2 agree bit for bit only when the
    /// generator's state is restored (without it they differ: the test can fail).
    /// </summary>
    [Fact]
    public void TrainingResumedFromACheckpointContinuesExactly()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sharpoptim-rng-{Guid.NewGuid():N}.pt");
        try
        {
            var straight = new Run();
            var straightLosses = straight.Train(4);

            var firstHalf = new Run();
            var losses = firstHalf.Train(2);
            firstHalf.Save(path);
            var resumed = new Run(seed: 99).Load(path, restoreRng: true);
            losses.AddRange(resumed.Train(2));
            Assert.Equal(straightLosses, losses);
            Assert.Equal(straight.Weights(), resumed.Weights());

            var withoutRng = new Run(seed: 99).Load(path, restoreRng: false);
            Assert.NotEqual(straightLosses.Skip(straightLosses.Count / 2), withoutRng.Train(2));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A small classifier with dropout, trained with Adam on a shuffling DataLoader.</summary>
    private sealed class Run
    {
        private readonly Sequential _model;
        private readonly Adam _optimizer;
        private readonly DataLoader _loader;

        public Run(long seed = 0)
        {
            Torch.ManualSeed(seed);
            _model = new Sequential(new Linear(4, 16), new ReLU(), new Dropout(0.3), new Linear(16, 3));
            _optimizer = new Adam(_model.Parameters(), lr: 0.01);
            var data = new Generator(1);
            var x = Torch.Randn([40, 4], generator: data);
            var y = Torch.Tensor(Enumerable.Range(0, 40).Select(i => (long)(i % 3)).ToArray());
            _loader = new DataLoader(new TensorDataset(x, y), batchSize: 8, shuffle: true);
        }

        public List<double> Train(int epochs)
        {
            var losses = new List<double>();
            for (int epoch = 0; epoch < epochs; epoch++)
                foreach (var batch in _loader)
                {
                    _optimizer.ZeroGrad();
                    var loss = Functional.CrossEntropy(_model.Call(batch[0]), batch[1]);
                    loss.Backward();
                    _optimizer.Step();
                    losses.Add(loss.Item<double>());
                }
            return losses;
        }

        public double[] Weights() => _model.Parameters().SelectMany(p => p.ToDoubleArray()).ToArray();

        public void Save(string path) => Torch.Save(new OrderedDictionary<string, object?>
        {
            ["model"] = _model.StateDict(),
            ["optimizer"] = _optimizer.StateDict(),
            ["rng_state"] = Torch.GetRngState(),
        }, path);

        public Run Load(string path, bool restoreRng)
        {
            var checkpoint = Torch.Load<OrderedDictionary<string, object?>>(path);
            _model.LoadStateDict((IReadOnlyDictionary<string, object?>)checkpoint["model"]!);
            _optimizer.LoadStateDict((IReadOnlyDictionary<string, object?>)checkpoint["optimizer"]!);
            if (restoreRng) Torch.SetRngState((Tensor)checkpoint["rng_state"]!);
            return this;
        }
    }
}
