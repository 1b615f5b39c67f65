using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// RAdam against PyTorch 2.14 (fixtures by tools/golden/radam.py): PyTorch's option grid
/// (optim_inputs_func_radam) plus tensor-lr configs and both rectification regimes (switching
/// at step 6, never rectified), float32 and float64, 100 steps, on every path; mid-run state
/// dicts; differentiable runs with gradients through the steps.
/// </summary>
public class RAdamConformanceTests : OptimizerConformance<RAdamConformanceTests>, IOptimizerFixtures
{
    public static string Trajectories => "radam_trajectories.json.gz";
    public static string StateDicts => "radam_state_dict.json.gz";
    private const string Differentiable = "radam_differentiable.json.gz";

    public static OptimizerFactory Factory(string path) => (parameters, kwargs, tensorKwargs)
        => Build(parameters, new RecordedKwargs(kwargs, tensorKwargs), lr: null, @foreach: RecordedKwargs.ForeachFor(path), differentiable: false);

    private static RAdam Build(Tensor[] parameters, RecordedKwargs k, Tensor? lr, bool? @foreach, bool differentiable, bool capturable = false)
        => new(parameters, lr: lr is null ? k.Lr(1e-3) : lr, betas: k.Pair("betas"), eps: k.Number("eps", 1e-8),
               weightDecay: k.Number("weight_decay", 0), decoupledWeightDecay: k.Bool("decoupled_weight_decay"),
               @foreach: @foreach, maximize: k.Bool("maximize"), differentiable: differentiable, capturable: capturable);

    public static IEnumerable<object[]> DifferentiableCases() => DifferentiableCheck.CaseIds(Differentiable);

    [Theory]
    [MemberData(nameof(DifferentiableCases))]
    public void DifferentiableStepsBackpropagateAsPyTorch(string id)
        => DifferentiableCheck.Replay(Differentiable, id, (ps, kwargs, tensorKwargs, lr)
            => Build(ps, new RecordedKwargs(kwargs, tensorKwargs), lr, @foreach: null, differentiable: true));

    /// <summary>
    /// capturable: true is accepted and changes nothing on the CPU (PyTorch refuses to step it on CPU
    /// tensors; its capturable math exists for CUDA graphs): each path still reproduces PyTorch's run.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [InlineData(null)]
    public void CapturableChangesNothingOnTheCpu(bool? @foreach)
    {
        var testCase = TrajectoryCheck.Case(Trajectories, "radam/nonzero_weight_decay/forloop/float64");
        var (optimizer, _) = TrajectoryCheck.Replay(Trajectories, testCase, (ps, kwargs, tensorKwargs)
            => Build(ps, new RecordedKwargs(kwargs, tensorKwargs), lr: null, @foreach: @foreach, differentiable: false, capturable: true));
        Assert.True(optimizer.ParamGroups[0].GetBool("capturable"));
    }
}
