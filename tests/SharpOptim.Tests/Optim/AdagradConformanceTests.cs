using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Adagrad against PyTorch 2.14 (fixtures by tools/golden/adaptive.py): PyTorch's option grid
/// (optim_inputs_func_adagrad) for its for-loop and fused CPU implementations, mid-run state
/// dicts, a differentiable run, and an Embedding(sparse: true) trained on sparse gradients.
/// </summary>
public class AdagradConformanceTests : OptimizerConformance<AdagradConformanceTests>, IConformanceAlgorithm
{
    public static string Name => "Adagrad";
    public static string FixturePrefix => "adagrad";
    private const string Sparse = "adagrad_sparse.sofx";

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
        => new Adagrad(parameters, lr: k.Lr(1e-2), lrDecay: k.Number("lr_decay", 0), weightDecay: k.Number("weight_decay", 0),
            initialAccumulatorValue: k.Number("initial_accumulator_value", 0), eps: k.Number("eps", 1e-10),
            @foreach: path.Foreach, maximize: k.Flag("maximize"), differentiable: path.Differentiable, fused: path.Fused);

    public static IEnumerable<object[]> SparseCases()
        => Fixture.Load(Sparse)["cases"]!.AsArray().Select(c => new object[] { c!["id"]!.GetValue<string>() });

    /// <summary>
    /// An Embedding(10, 3, sparse: true) trained on batches with repeated indices: our autograd
    /// makes the sparse gradients, Adagrad's sparse branch updates only the rows they hold, and
    /// the loss, gradient, weight and state follow PyTorch's run step by step.
    /// </summary>
    [Theory]
    [MemberData(nameof(SparseCases))]
    public void EmbeddingWithSparseGradientsTrainsAsPyTorch(string id)
    {
        var root = Fixture.Load(Sparse);
        var c = root["cases"]!.AsArray().Single(x => x!["id"]!.GetValue<string>() == id)!;
        var dtype = Fixture.DType(c["dtype"]!.GetValue<string>());
        var embedding = new Embedding(10, 3, sparse: true, dtype: dtype);
        using (Torch.NoGrad()) embedding.Weight.Copy_(Fixture.Tensor(root["weight0"]!["data"], [10, 3], dtype));
        var optimizer = Factory("default")([embedding.Weight], c["kwargs"]!.AsObject(), TrajectoryCheck.TensorKwargs(c.AsObject()));
        var batches = root["batches"]!.AsArray();
        var steps = c["steps"]!.AsArray();
        for (int k = 0; k < steps.Count; k++)
        {
            var indices = batches[k]!.AsArray().Select(v => v!.GetValue<long>()).ToArray();
            var target = Fixture.Tensor(root["targets"]![k]!["data"], [indices.Length, 3], dtype);
            var record = steps[k]!;
            var where = $"{id} step {k + 1}";
            optimizer.ZeroGrad();
            var loss = embedding.Forward(Torch.Tensor(indices, [indices.Length])).Sub(target).Square().Sum();
            loss.Backward();
            var grad = embedding.Weight.Grad!;
            Assert.True(grad.IsSparse, $"{where}: the gradient is dense");
            Tolerance.AssertClose(loss, [Fixture.Number(record["loss"])], dtype, $"{where}: loss");
            Tolerance.AssertClose(grad.ToDense(), Fixture.Numbers(record["grad"]), dtype, $"{where}: grad");
            optimizer.Step();
            Tolerance.AssertClose(embedding.Weight, Fixture.Numbers(record["weight"]), dtype, $"{where}: weight");
            var state = optimizer.State[embedding.Weight];
            Assert.Equal(["step", "sum"], state.Keys);
            foreach (var (key, value) in record["state"]!.AsObject())
                TrajectoryCheck.AssertStateValue(state[key], value!, dtype, $"{where}: state {key}");
        }
    }

    [Fact]
    public void StateIsMadeForEveryParameterAtConstruction()
    {
        var a = Torch.Zeros([2, 2]).RequiresGrad_();
        var b = Torch.Zeros([3], DType.Float64).RequiresGrad_();
        var optimizer = new Adagrad([a, b], initialAccumulatorValue: 0.5, fused: true);
        foreach (var p in new[] { a, b })
        {
            var state = optimizer.State[p];
            Assert.Equal(["step", "sum"], state.Keys);
            Assert.Equal(DType.Float32, ((Tensor)state["step"]!).DType);
            Assert.Equal(p.DType, ((Tensor)state["sum"]!).DType);
            Assert.All(((Tensor)state["sum"]!).ToDoubleArray(), v => Assert.Equal(0.5, v));
        }
    }

    [Fact]
    public void DifferentiableStepRefusesSparseGradients()
    {
        var x = Torch.Tensor([1f, 2f, 3f, 4f], [2, 2], requiresGrad: true);
        var q = x.Mul(1.0);
        q.Grad = Torch.SparseCooTensor(Torch.Tensor([0L, 1L, 1L, 0L], [2, 2]), Torch.Tensor([0.5f, -1f]), [2, 2]);
        var optimizer = new Adagrad([q], differentiable: true);
        var before = q.ToDoubleArray();
        var refused = Assert.Throws<NotSupportedException>(() => optimizer.Step());
        Assert.Contains("sparse", refused.Message);
        Assert.Equal(before, q.ToDoubleArray());
        Assert.Equal(0, ((Tensor)optimizer.State[q]["step"]!).Item());
    }
}

/// <summary>Adagrad's differentiable runs (x, g feedback; adaptive.py).</summary>
public class AdagradDifferentiableTests : DifferentiableConformance<AdagradConformanceTests>;
