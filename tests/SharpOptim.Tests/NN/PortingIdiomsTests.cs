using System.Text.Json;
using SharpOptim;
using SharpOptim.Data;
using SharpOptim.NN;
using Xunit;
using static SharpOptim.Tests.NN.NNReference;

namespace SharpOptim.Tests.NN;

/// <summary>
/// The idioms a line-by-line port of a PyTorch training script uses, against PyTorch's own
/// results (Fixtures/porting_idioms.json, made by tools/golden/porting_idioms.py): nll_loss,
/// flatten, view_as, cat and stack along any dim, sums of bool tensors, item(), and
/// TensorDataset + DataLoader.
/// </summary>
public class PortingIdiomsTests
{
    private static readonly Lazy<JsonElement> Document = new(() =>
    {
        using var stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "porting_idioms.json"));
        return JsonDocument.Parse(stream).RootElement.Clone();
    });

    private static JsonElement Root => Document.Value;

    private static JsonElement.ArrayEnumerator Cases(JsonElement section) => section.EnumerateArray();

    public static TheoryData<string> NllLossCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases(Root.GetProperty("nll_loss").GetProperty("cases"))) data.Add(c.GetProperty("id").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(NllLossCases))]
    public void NllLossAndItsGradientArePyTorchs(string id)
    {
        var section = Root.GetProperty("nll_loss");
        var c = Cases(section.GetProperty("cases")).Single(e => e.GetProperty("id").GetString() == id);
        var dtype = DTypeOf(c.GetProperty("dtype").GetString()!);
        bool oneD = c.TryGetProperty("input_1d", out var flag) && flag.GetBoolean();
        var x = Tensor(section.GetProperty(oneD ? "input_1d" : "input"), dtype).RequiresGrad_();
        string reduction = c.GetProperty("reduction").GetString()!;
        long ignoreIndex = c.GetProperty("ignore_index").GetInt64();
        var loss = Functional.NllLoss(x, LongTensor(c.GetProperty("target")), reduction, ignoreIndex);
        AssertClose(c.GetProperty("loss"), loss, $"{id} loss");
        Assert.Equal(loss.ToDoubleArray(), new NLLLoss(reduction, ignoreIndex).Call(x, LongTensor(c.GetProperty("target"))).ToDoubleArray());
        if (c.GetProperty("grad").ValueKind == JsonValueKind.Null) return;
        loss.Backward(Tensor(c.GetProperty("upstream"), dtype));
        AssertClose(c.GetProperty("grad"), x.Grad!, $"{id} grad");
    }

    [Fact]
    public void CatAndStackAlongAnyDimArePyTorchs()
    {
        foreach (var c in Cases(Root.GetProperty("cat")))
        {
            string id = c.GetProperty("id").GetString()!;
            var inputs = c.GetProperty("inputs").EnumerateArray().Select(e => Tensor(e).RequiresGrad_()).ToList();
            int dim = c.GetProperty("dim").GetInt32();
            var output = c.GetProperty("op").GetString() == "cat" ? Torch.Cat(inputs, dim) : Torch.Stack(inputs, dim);
            AssertClose(c.GetProperty("output"), output, $"{id} output", 0, 0);
            if (!c.TryGetProperty("upstream", out var upstream)) continue;
            output.Backward(Tensor(upstream));
            var grads = c.GetProperty("grads").EnumerateArray().ToList();
            for (int i = 0; i < inputs.Count; i++) AssertClose(grads[i], inputs[i].Grad!, $"{id} grad {i}", 0, 0);
        }
    }

    [Fact]
    public void FlattenAndViewAsGivePyTorchsShapes()
    {
        var shapes = Root.GetProperty("shapes");
        foreach (var c in Cases(shapes.GetProperty("flatten")))
        {
            var x = Torch.Zeros(Ints(c.GetProperty("shape")));
            int start = c.GetProperty("start_dim").GetInt32(), end = c.GetProperty("end_dim").GetInt32();
            var expected = Ints(c.GetProperty("output_shape"));
            Assert.Equal(expected, x.Flatten(start, end).Shape);
            Assert.Equal(expected, Functional.Flatten(x, start, end).Shape);
            Assert.Equal(expected, Torch.Flatten(x, start, end).Shape);
        }
        var module = Cases(shapes.GetProperty("flatten_module")).Single();
        Assert.Equal(Ints(module.GetProperty("output_shape")), new Flatten().Call(Torch.Zeros(Ints(module.GetProperty("shape")))).Shape);
        foreach (var c in Cases(shapes.GetProperty("view_as")))
        {
            var x = Torch.Arange(6).Reshape(Ints(c.GetProperty("shape")));
            var view = x.ViewAs(Torch.Zeros(Ints(c.GetProperty("other"))));
            Assert.Equal(Ints(c.GetProperty("output_shape")), view.Shape);
            using (Torch.NoGrad()) view.Fill_(7);   // a view: the same elements
            Assert.All(x.ToDoubleArray(), v => Assert.Equal(7, v));
        }
    }

    [Fact]
    public void SumsOfBoolAndInt64TensorsAreInt64()
    {
        var section = Root.GetProperty("sum");
        foreach (var c in Cases(section.GetProperty("cases")))
        {
            string id = c.GetProperty("id").GetString()!;
            var x = Typed(c.GetProperty("input"));
            var dim = c.GetProperty("dim");
            var sum = dim.ValueKind == JsonValueKind.Null ? x.Sum() : x.Sum(dim.GetInt32(), c.GetProperty("keepdim").GetBoolean());
            var expected = c.GetProperty("output");
            Assert.Equal(DType.Int64, sum.DType);
            Assert.True(Ints(expected.GetProperty("shape")).SequenceEqual(sum.Shape), id);
            Assert.Equal(expected.GetProperty("data").EnumerateArray().Select(e => e.GetInt64()), sum.ToArray<long>());
        }
        // The accuracy idiom: pred.eq(target).sum().item().
        var eq = Typed(Cases(section.GetProperty("cases")).First().GetProperty("input"));
        Assert.Equal(section.GetProperty("eq_sum_item").GetInt64(), eq.Sum().Item<long>());
    }

    [Fact]
    public void ItemConvertsAsPython()
    {
        foreach (var c in Cases(Root.GetProperty("item")))
        {
            var t = Typed(c.GetProperty("input"));
            Assert.Equal(c.GetProperty("as_float").GetDouble(), t.Item<double>());
            Assert.Equal((float)c.GetProperty("as_float").GetDouble(), t.Item<float>());
            Assert.Equal(c.GetProperty("as_int").GetInt64(), t.Item<long>());
            Assert.Equal(c.GetProperty("as_int").GetInt32(), t.Item<int>());
            Assert.Equal(c.GetProperty("as_bool").GetBoolean(), t.Item<bool>());
        }
        Assert.Throws<OverflowException>(() => Torch.Scalar(double.NaN).Item<long>());
        Assert.Throws<OverflowException>(() => Torch.Scalar(3e9, DType.Float64).Item<int>());
        Assert.Equal(-9223372036854775808L, Torch.Scalar(-9223372036854775808.0, DType.Float64).Item<long>());
        Assert.Throws<OverflowException>(() => Torch.Scalar(9223372036854775808.0, DType.Float64).Item<long>());
        Assert.Throws<NotSupportedException>(() => Torch.Scalar(1).Item<short>());
    }

    [Fact]
    public void DataLoaderBatchesAsPyTorchsDo()
    {
        foreach (var c in Cases(Root.GetProperty("data_loader")))
        {
            int n = c.GetProperty("n").GetInt32(), batchSize = c.GetProperty("batch_size").GetInt32();
            bool dropLast = c.GetProperty("drop_last").GetBoolean();
            string what = $"n={n} batch={batchSize} drop_last={dropLast}";
            var dataset = new TensorDataset(Torch.Arange(n * 2, DType.Float64).Reshape(n, 2), Torch.Arange(n, DType.Int64));
            Assert.Equal(c.GetProperty("dataset_len").GetInt32(), dataset.Count);
            var item = c.GetProperty("item_3").EnumerateArray().ToList();
            var sample = dataset[Math.Min(3, n - 1)];
            AssertClose(item[0], sample[0], what, 0, 0);
            Assert.Equal(LongTensor(item[1]).ToArray<long>(), sample[1].ToArray<long>());

            var loader = new DataLoader(dataset, batchSize, dropLast: dropLast);
            Assert.Equal(c.GetProperty("len").GetInt32(), loader.Count);
            var batches = loader.ToList();
            var expected = c.GetProperty("batches").EnumerateArray().ToList();
            Assert.Equal(expected.Count, batches.Count);
            for (int b = 0; b < batches.Count; b++)
            {
                var pair = expected[b].EnumerateArray().ToList();
                AssertClose(pair[0], batches[b][0], $"{what} batch {b}", 0, 0);
                Assert.Equal(LongTensor(pair[1]).ToArray<long>(), batches[b][1].ToArray<long>());
                Assert.True(Shape(pair[1]).SequenceEqual(batches[b][1].Shape), what);
            }

            // Shuffled: PyTorch's batch sizes, each epoch a permutation of the samples, epochs
            // different, and the same epochs again from the same seed.
            var shuffled = new DataLoader(dataset, batchSize, shuffle: true, generator: new Generator(0), dropLast: dropLast);
            var epoch1 = shuffled.Select(batch => batch[1].ToArray<long>()).ToList();
            var epoch2 = shuffled.Select(batch => batch[1].ToArray<long>()).ToList();
            Assert.Equal(c.GetProperty("shuffled_batch_sizes").EnumerateArray().Select(e => e.GetInt32()), epoch1.Select(b => b.Length));
            if (!dropLast || n % batchSize == 0) Assert.Equal(Enumerable.Range(0, n).Select(i => (long)i), epoch1.SelectMany(b => b).Order());
            var again = new DataLoader(dataset, batchSize, shuffle: true, generator: new Generator(0), dropLast: dropLast);
            Assert.Equal(epoch1, again.Select(batch => batch[1].ToArray<long>()).ToList());
            if (n > 2) Assert.NotEqual(epoch1.SelectMany(b => b), epoch2.SelectMany(b => b));
            // Each sample's input travels with its label.
            foreach (var batch in shuffled)
                Assert.Equal(batch[1].ToArray<long>().SelectMany(i => new double[] { 2 * i, 2 * i + 1 }), batch[0].ToDoubleArray());
        }
    }

    [Fact]
    public void ABatchIsACopyOfTheDatasetsRows()
    {
        var x = Torch.Zeros(4, 2);
        var batch = new DataLoader(new TensorDataset(x), batchSize: 2).First();
        using (Torch.NoGrad()) batch[0].Fill_(1);
        Assert.All(x.ToDoubleArray(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void ErrorsArePyTorchs()
    {
        Expect<IndexOutOfRangeException>("nll_loss_target_out_of_bounds", () => Functional.NllLoss(Torch.Zeros(2, 3), Torch.Tensor([0L, 7])));
        Expect<IndexOutOfRangeException>("nll_loss_negative_target", () => Functional.NllLoss(Torch.Zeros(2, 3), Torch.Tensor([0L, -1])));
        Expect<ArgumentException>("nll_loss_batch_mismatch", () => Functional.NllLoss(Torch.Zeros(3, 3), Torch.Tensor([0L, 1])));
        Expect<ArgumentException>("nll_loss_0d_target_for_batch", () => Functional.NllLoss(Torch.Zeros(2, 3), Torch.Tensor([1L], []).Reshape()));
        Expect<ArgumentException>("nll_loss_0d_input", () => Functional.NllLoss(Torch.Scalar(0), Torch.Tensor([1L]).Reshape()));
        Expect<ArgumentException>("nll_loss_1d_input_long_target", () => Functional.NllLoss(Torch.Zeros(3), Torch.Tensor([1L, 2])));
        Expect<ArgumentException>("nll_loss_2d_target", () => Functional.NllLoss(Torch.Zeros(2, 3), Torch.Tensor([0L, 1], [1, 2])));
        Expect<ArgumentException>("nll_loss_float_target", () => Functional.NllLoss(Torch.Zeros(2, 3), Torch.Tensor([0f, 1])));
        Expect<ArgumentException>("nll_loss_bool_target", () => Functional.NllLoss(Torch.Zeros(2, 3), Torch.Tensor([true, false])));
        Expect<ArgumentException>("nll_loss_reduction", () => Functional.NllLoss(Torch.Zeros(2, 3), Torch.Tensor([0L, 1]), "avg"));
        Expect<ArgumentException>("cat_empty_list", () => Torch.Cat([], 1));
        Expect<ArgumentException>("cat_zero_dim", () => Torch.Cat([Torch.Zeros(2), Torch.Scalar(0)]));
        Expect<ArgumentException>("cat_size_mismatch", () => Torch.Cat([Torch.Zeros(2, 3), Torch.Zeros(2, 3), Torch.Zeros(3, 3)], 1));
        Expect<ArgumentException>("cat_rank_mismatch", () => Torch.Cat([Torch.Zeros(2, 3), Torch.Zeros(2, 3, 1)], 1));
        Expect<ArgumentOutOfRangeException>("cat_dim_out_of_range", () => Torch.Cat([Torch.Zeros(2, 3), Torch.Zeros(2, 3)], 2));
        Expect<ArgumentException>("stack_size_mismatch", () => Torch.Stack([Torch.Zeros(2, 3), Torch.Zeros(3, 3)], 1));
        Expect<ArgumentOutOfRangeException>("stack_dim_out_of_range", () => Torch.Stack([Torch.Zeros(2, 3), Torch.Zeros(2, 3)], 3));
        Expect<ArgumentException>("flatten_start_after_end", () => Torch.Flatten(Torch.Zeros(2, 3, 4), 2, 1));
        Expect<ArgumentOutOfRangeException>("flatten_dim_out_of_range", () => Torch.Flatten(Torch.Zeros(2, 3, 4), 3));
        Expect<ArgumentOutOfRangeException>("flatten_module_0d", () => new Flatten().Call(Torch.Scalar(0)));
        Expect<ArgumentException>("view_as_mismatch", () => Torch.Zeros(2, 3).ViewAs(Torch.Zeros(3, 3)));
        Expect<InvalidOperationException>("item_many", () => Torch.Zeros(2).Item<float>());
        Expect<ArgumentException>("tensor_dataset_size_mismatch", () => new TensorDataset(Torch.Zeros(2), Torch.Zeros(3)));
        Expect<ArgumentOutOfRangeException>("data_loader_batch_size_0", () => new DataLoader(new TensorDataset(Torch.Zeros(2)), batchSize: 0));
    }

    /// <summary>Runs <paramref name="call"/>, which must throw <typeparamref name="TException"/> with PyTorch's message (an argument's name may follow).</summary>
    private static void Expect<TException>(string name, Func<object> call) where TException : Exception
    {
        var expected = Cases(Root.GetProperty("errors")).Single(e => e.GetProperty("name").GetString() == name).GetProperty("message").GetString()!;
        var e = Assert.Throws<TException>(() => call());
        Assert.StartsWith(expected, e.Message);
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>A {"dtype", "shape", "data"} tensor of any dtype.</summary>
    private static Tensor Typed(JsonElement e)
    {
        var shape = Shape(e);
        var data = e.GetProperty("data");
        return e.GetProperty("dtype").GetString() switch
        {
            "bool" => Torch.Tensor(data.EnumerateArray().Select(v => v.GetBoolean()).ToArray(), shape),
            "int64" => Torch.Tensor(data.EnumerateArray().Select(v => v.GetInt64()).ToArray(), shape),
            var name => Tensor(e, DTypeOf(name!)),
        };
    }
}
