using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>LBFGS behaviour that the recorded fixtures do not pin down: grad modes, refusals that leave everything as it was.</summary>
public class LbfgsTests
{
    private static Parameter Param(params double[] values) => new(Torch.Tensor(values));

    private static Func<Tensor> Quadratic(Optimizer optimizer, Tensor p, Action? onCall = null) => () =>
    {
        onCall?.Invoke();
        optimizer.ZeroGrad();
        var loss = p.Sub(2).Square().Sum();
        loss.Backward();
        return loss;
    };

    [Fact]
    public void TheClosureRunsWithGradEnabledWhileTheStepItselfIsNotRecorded()
    {
        var p = Param(5, -1);
        var optimizer = new LBFGS([p], lineSearchFn: "strong_wolfe");
        var modes = new List<bool>();
        optimizer.Step(Quadratic(optimizer, p, () => modes.Add(Torch.IsGradEnabled)));
        Assert.NotEmpty(modes);
        Assert.All(modes, Assert.True);
        Assert.True(p.IsLeaf);
        Assert.Null(p.GradFn);
        // A quadratic is minimised by the first line search.
        Assert.Equal([2.0, 2.0], p.ToDoubleArray());
    }

    [Fact]
    public void ArgumentErrorsAtStepTimeComeBeforeTheClosureAndChangeNothing()
    {
        var p = Param(5, -1);
        int calls = 0;
        var unknown = new LBFGS([p], lineSearchFn: "backtracking");
        Assert.Throws<InvalidOperationException>(() => unknown.Step(Quadratic(unknown, p, () => calls++)));
        var twoGroups = new LBFGS([p]);
        twoGroups.AddParamGroup(new ParamGroup([Param(1)]));
        Assert.Throws<InvalidOperationException>(() => twoGroups.Step(Quadratic(twoGroups, p, () => calls++)));
        var noEvaluations = new LBFGS([p], maxEval: 0, lineSearchFn: "strong_wolfe");
        Assert.Throws<InvalidOperationException>(() => noEvaluations.Step(Quadratic(noEvaluations, p, () => calls++)));
        Assert.Throws<ArgumentNullException>(() => new LBFGS([p]).Step());
        Assert.Equal(0, calls);
        Assert.Empty(unknown.State);
        Assert.Empty(twoGroups.State);
        Assert.Equal([5.0, -1.0], p.ToDoubleArray());
    }

    [Fact]
    public void LoadingAStateForOtherParametersFailsAtLoadAndChangesNothing()
    {
        var small = Param(5, -1);
        var source = new LBFGS([small]);
        source.Step(Quadratic(source, small));
        var saved = source.StateDict().DeepCopy();

        var large = Param(1, 2, 3);
        var target = new LBFGS([large]);
        target.Step(Quadratic(target, large));
        var before = target.StateDict().DeepCopy();
        var error = Assert.Throws<ArgumentException>(() => target.LoadStateDict(saved));
        Assert.Contains("'d' of shape [2]", error.Message);
        var after = target.StateDict();
        Assert.Equal(before.State[0].Keys, after.State[0].Keys);
        Assert.Equal(((Tensor)before.State[0]["d"]!).ToDoubleArray(), ((Tensor)after.State[0]["d"]!).ToDoubleArray());
    }

    [Fact]
    public void StateIsKeptOnTheFirstParameterOnly()
    {
        Parameter a = Param(5, -1), b = Param(3);
        var optimizer = new LBFGS([a, b], historySize: 2);
        optimizer.Step(() =>
        {
            optimizer.ZeroGrad();
            var loss = a.Sub(2).Square().Sum().Add(b.Mul(b).Sum().Mul(3));
            loss.Backward();
            return loss;
        });
        Assert.Equal([a], optimizer.State.Keys);
        var state = optimizer.State[a];
        Assert.Equal(3, ((Tensor)state["d"]!).Numel);
        Assert.True(((List<Tensor>)state["old_dirs"]!).Count <= 2);
        Assert.Equal(2, ((List<object?>)state["al"]!).Count);
    }
}
