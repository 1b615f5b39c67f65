using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>The Optimizer base class semantics of PyTorch 2.14 that the golden fixtures do not cover.</summary>
[Collection(IsolatedTestsCollection.Name)]
public class OptimizerBaseTests
{
    private static Parameter Param(params float[] values) => new(Torch.Tensor(values));

    [Fact]
    public void DefaultsFillGroupsAndGroupOptionsOverrideThem()
    {
        Parameter a = Param(1), b = Param(2);
        var sgd = new SGD([new ParamGroup([a]) { ["lr"] = 0.5 }, new ParamGroup([b]) { ["custom"] = "kept" }], lr: 0.1, momentum: 0.9);
        Assert.Equal(0.5, sgd.ParamGroups[0].Lr);
        Assert.Equal(0.1, sgd.ParamGroups[1].Lr);
        Assert.Equal(0.9, sgd.ParamGroups[0].GetDouble("momentum"));
        Assert.Equal("kept", sgd.ParamGroups[1]["custom"]);
        // User keys first, then the defaults in PyTorch's order.
        Assert.Equal(["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "foreach", "differentiable", "fused"], sgd.ParamGroups[0].Keys);
        Assert.Equal(["custom", "lr", "momentum"], sgd.ParamGroups[1].Keys.Take(3));
    }

    [Fact]
    public void StepWithClosureReturnsItsLossAndRunsItWithGradEnabled()
    {
        var w = Param(3);
        var sgd = new SGD([w], lr: 0.1);
        bool gradEnabledInside = false;
        Tensor? loss;
        using (Torch.NoGrad())
        {
            loss = sgd.Step(() =>
            {
                gradEnabledInside = Torch.IsGradEnabled;
                sgd.ZeroGrad();
                var l = w.Square().Sum();
                l.Backward();
                return l;
            });
        }
        Assert.True(gradEnabledInside);
        Assert.Equal(9.0, loss!.Item(), 6);
        Assert.Equal(3 - 0.1 * 6, w.Item(), 6);
        Assert.Null(sgd.Step());
    }

    [Fact]
    public void ParamsWithoutGradAreSkipped()
    {
        Parameter a = Param(1), b = Param(2);
        var sgd = new SGD([a, b], lr: 1, momentum: 0.9);
        a.Grad = Torch.Tensor([1f]);
        sgd.Step();
        Assert.Equal(0, a.Item());
        Assert.Equal(2, b.Item());
        Assert.False(sgd.State.ContainsKey(b));
        Assert.True(sgd.State.ContainsKey(a));
    }

    [Fact]
    public void MomentumZeroKeepsNoState()
    {
        var a = Param(1);
        var sgd = new SGD([a], lr: 1);
        a.Grad = Torch.Tensor([1f]);
        sgd.Step();
        Assert.Empty(sgd.State);
    }

    [Fact]
    public void ZeroGradSetsToNoneOrZeroesInPlace()
    {
        var a = Param(1, 2);
        var sgd = new SGD([a]);
        a.Grad = Torch.Tensor([3f, 4f]);
        var grad = a.Grad;
        sgd.ZeroGrad(setToNone: false);
        Assert.Same(grad, a.Grad);
        Assert.Equal([0f, 0f], a.Grad!.ToArray<float>());
        sgd.ZeroGrad();
        Assert.Null(a.Grad);
    }

    [Fact]
    public void StepHooksRunInPyTorchsOrderAndCanBeRemoved()
    {
        var a = Param(1);
        var other = new SGD([Param(5)]);
        var sgd = new SGD([a]);
        var order = new List<int>();
        using var globalPre = Optimizer.RegisterOptimizerStepPreHook((o, _) => { if (o == sgd) order.Add(0); return null; });
        using var globalPost = Optimizer.RegisterOptimizerStepPostHook((o, _) => { if (o == sgd) order.Add(5); });
        var pre = sgd.RegisterStepPreHook((_, _) => { order.Add(1); return null; });
        var post = sgd.RegisterStepPostHook((_, _) => order.Add(2));
        other.Step();
        Assert.Empty(order);
        sgd.Step();
        Assert.Equal([0, 1, 2, 5], order);
        pre.Remove();
        post.Remove();
        order.Clear();
        sgd.Step();
        Assert.Equal([0, 5], order);
    }

    /// <summary>
    /// PyTorch chains its live hook dicts, so a hook registered by an earlier hook in a later list
    /// runs in the same step (this order is what PyTorch 2.14 printed for the same hooks); a hook
    /// removed during the step (itself or another) does not disturb the step and is gone from the next.
    /// </summary>
    [Fact]
    public void HooksRegisteredOrRemovedDuringAStep()
    {
        var sgd = new SGD([Param(1)]);
        var order = new List<string>();
        RemovableHandle? addedPre = null, addedPost = null, removedByPost = null;
        using var globalPre = Optimizer.RegisterOptimizerStepPreHook((o, _) =>
        {
            if (o != sgd) return null;
            order.Add("global pre");
            addedPre ??= sgd.RegisterStepPreHook((_, _) => { order.Add("instance pre added by global pre"); return null; });
            return null;
        });
        var instancePost = sgd.RegisterStepPostHook((_, _) =>
        {
            order.Add("instance post");
            addedPost ??= Optimizer.RegisterOptimizerStepPostHook((o, _) => { if (o == sgd) order.Add("global post added by instance post"); });
            removedByPost?.Remove();
        });
        removedByPost = sgd.RegisterStepPostHook((_, _) => order.Add("instance post removed by the one before"));
        sgd.Step();
        Assert.Equal(["global pre", "instance pre added by global pre", "instance post", "instance post removed by the one before", "global post added by instance post"], order);
        order.Clear();
        instancePost.Remove();
        addedPost!.Remove();
        sgd.Step();
        Assert.Equal(["global pre", "instance pre added by global pre"], order);
    }

    [Fact]
    public void StepPreHookCanReplaceTheClosure()
    {
        var sgd = new SGD([Param(1)]);
        sgd.RegisterStepPreHook((_, _) => new StepArgs(() => Torch.Scalar(42)));
        Assert.Equal(42, sgd.Step()!.Item());
    }

    [Fact]
    public void StateDictHooksRunAndPrependPutsAHookFirst()
    {
        var sgd = new SGD([Param(1)], momentum: 0.9);
        var calls = new List<string>();
        sgd.RegisterStateDictPreHook(_ => calls.Add("pre1"));
        sgd.RegisterStateDictPreHook(_ => calls.Add("pre0"), prepend: true);
        sgd.RegisterStateDictPostHook((_, sd) =>
        {
            calls.Add("post");
            sd.ParamGroups[0]["extra"] = 1.0;
            return sd;
        });
        var dict = sgd.StateDict();
        Assert.Equal(["pre0", "pre1", "post"], calls);
        Assert.Equal(1.0, dict.ParamGroups[0]["extra"]);

        var loadCalls = new List<string>();
        sgd.RegisterLoadStateDictPreHook((_, sd) => { loadCalls.Add("pre"); sd.ParamGroups[0]["lr"] = 0.25; return null; });
        sgd.RegisterLoadStateDictPostHook(_ => loadCalls.Add("post"));
        sgd.LoadStateDict(dict);
        Assert.Equal(["pre", "post"], loadCalls);
        Assert.Equal(0.25, sgd.ParamGroups[0].Lr);
    }

    [Fact]
    public void StateDictIndexesParamsAcrossGroupsAndKeepsParamNames()
    {
        Parameter a = Param(1), b = Param(2), c = Param(3);
        var sgd = new SGD([new ParamGroup([("a", a), ("b", b)]), new ParamGroup([("c", c)])], momentum: 0.5);
        foreach (var p in new[] { a, b, c }) p.Grad = Torch.OnesLike(p);
        sgd.Step();
        var dict = sgd.StateDict();
        Assert.Equal([0, 1], (List<int>)dict.ParamGroups[0]["params"]!);
        Assert.Equal([2], (List<int>)dict.ParamGroups[1]["params"]!);
        Assert.Equal(["a", "b"], (IEnumerable<string>)dict.ParamGroups[0]["param_names"]!);
        Assert.Equal([0, 1, 2], dict.State.Keys.Cast<int>());
        Assert.Equal("params", dict.ParamGroups[0].Keys.Last());
    }

    /// <summary>Each bad dict must raise and leave the optimizer's state and groups exactly as they were.</summary>
    [Fact]
    public void LoadStateDictIsAtomic()
    {
        Parameter a = Param(1, 2), b = Param(3);
        var sgd = new SGD([a, b], lr: 0.1, momentum: 0.9);
        a.Grad = Torch.Tensor([1f, 1f]);
        b.Grad = Torch.Tensor([1f]);
        sgd.Step();
        var before = Snapshot(sgd);

        var good = sgd.StateDict().DeepCopy();
        var wrongShape = good.DeepCopy();
        wrongShape.State[0]["momentum_buffer"] = Torch.Zeros(3);
        wrongShape.ParamGroups[0]["lr"] = 99.0;
        var unknownParam = good.DeepCopy();
        unknownParam.State[7] = new OrderedDictionary<string, object?> { ["momentum_buffer"] = Torch.Zeros(1) };
        var noParams = good.DeepCopy();
        noParams.ParamGroups[0].Remove("params");
        var twoGroups = new SGD([new ParamGroup([Param(1, 2)]), new ParamGroup([Param(3)])]).StateDict();
        var badIds = good.DeepCopy();
        badIds.ParamGroups[0]["params"] = new List<object?> { 0, "x" };

        foreach (var bad in new[] { wrongShape, unknownParam, noParams, twoGroups, badIds })
        {
            Assert.ThrowsAny<ArgumentException>(() => sgd.LoadStateDict(bad));
            Assert.Equal(before, Snapshot(sgd));
        }
        sgd.LoadStateDict(good);
        Assert.Equal(before, Snapshot(sgd));
    }

    private static string Snapshot(Optimizer o)
        => string.Join(";", o.ParamGroups.Select(g => g.ToString())) + "|" +
           string.Join(";", o.State.Select(kv => string.Join(",", kv.Value.Select(s => $"{s.Key}={s.Value}"))));

    [Fact]
    public void LoadedStateIsCastToTheParamDtypeAndCopied()
    {
        var a = new Parameter(Torch.Tensor([1.0, 2.0]));
        var sgd = new SGD([a], momentum: 0.9);
        var buffer = Torch.Tensor([0.5f, 0.25f]);
        var dict = new OptimizerStateDict(
            new() { [0] = new OrderedDictionary<string, object?> { ["momentum_buffer"] = buffer } },
            [new OrderedDictionary<string, object?> { ["lr"] = 0.01, ["momentum"] = 0.9, ["dampening"] = 0.0, ["weight_decay"] = 0.0, ["params"] = new List<int> { 0 } }]);
        sgd.LoadStateDict(dict);
        var loaded = (Tensor)sgd.State[a]["momentum_buffer"]!;
        Assert.Equal(DType.Float64, loaded.DType);
        Assert.NotSame(buffer, loaded);
        // Flags missing from an old checkpoint are filled in (SGD.__setstate__).
        Assert.False(sgd.ParamGroups[0].GetBool("nesterov"));
        Assert.Null(sgd.ParamGroups[0]["foreach"]);
        Assert.False(sgd.ParamGroups[0].GetBool("fused"));
    }

    [Fact]
    public void ReprListsGroupsWithSortedKeys()
    {
        var sgd = new SGD([Param(1)], lr: 0.01, momentum: 0.9);
        Assert.Equal("SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n    fused: None\n    lr: 0.01\n    maximize: False\n    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)", sgd.ToString());
    }

    [Fact]
    public void TensorLrIsReadEachStepAndWrittenInPlace()
    {
        var a = Param(1);
        var lr = Torch.Tensor(0.5, DType.Float32);
        var sgd = new SGD([a], lr: lr);
        Assert.Same(lr, sgd.ParamGroups[0]["lr"]);
        sgd.ParamGroups[0].Lr = 0.25;
        Assert.Equal(0.25, lr.Item());
        a.Grad = Torch.Tensor([1f]);
        sgd.Step();
        Assert.Equal(0.75, a.Item(), 6);
    }

    [Fact]
    public void DifferentiableStepIsRecordedByAutograd()
    {
        // d(p - lr*g)/dlr = -g: the step itself is part of the graph, as PyTorch's differentiable optimizers.
        var lr = Torch.Tensor(0.1, DType.Float64, requiresGrad: true);
        var p = Torch.Tensor([2.0, 3.0], requiresGrad: true).Mul(1.0);
        p.Grad = Torch.Tensor([1.0, -2.0]);
        var sgd = new SGD([p], lr: lr, differentiable: true);
        sgd.Step();
        p.Sum().Backward();
        Assert.Equal(1.0, lr.Grad!.Item(), 12);
        Assert.Equal([1.9, 3.2], p.ToArray<double>().Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void EmbeddingWithSparseGradientsTrainsWithSgd()
    {
        Torch.ManualSeed(0);
        var embedding = new Embedding(10, 3, sparse: true);
        var sgd = new SGD(embedding.Parameters(), lr: 0.5, momentum: 0.9);
        var indices = Torch.Tensor([1L, 4L, 4L], [3]);
        var before = embedding.Weight.Clone();
        for (int i = 0; i < 3; i++)
        {
            sgd.ZeroGrad();
            embedding.Forward(indices).Square().Sum().Backward();
            Assert.True(embedding.Weight.Grad!.IsSparse);
            sgd.Step();
        }
        var after = embedding.Weight;
        for (int row = 0; row < 10; row++)
        {
            bool touched = row is 1 or 4;
            var changed = after[row].Sub(before[row]).Abs().Max().Item() > 0;
            Assert.Equal(touched, changed);
        }
        Assert.True(after[4].Square().Sum().Item() < before[4].Square().Sum().Item());
    }
}
