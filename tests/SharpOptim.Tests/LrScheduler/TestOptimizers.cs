using SharpOptim.Optim;

namespace SharpOptim.Tests.LrScheduler;

/// <summary>
/// Optimizers that only carry options, for scheduler tests: schedulers read and write param-group
/// options and never look at the update itself. Their defaults have the keys, in the order, of
/// the PyTorch optimizers the fixtures used, so param-group layouts compare one to one.
/// </summary>
internal sealed class BetasTestOptimizer(OptimizerParams parameters, double lr = 1e-3)
    : Optimizer(parameters, new()
    {
        // torch.optim.Adam's defaults: a group with betas, whose betas[0] schedulers cycle.
        ["lr"] = lr, ["betas"] = (0.9, 0.999), ["eps"] = 1e-8, ["weight_decay"] = 0.0, ["amsgrad"] = false, ["maximize"] = false,
        ["foreach"] = null, ["capturable"] = false, ["differentiable"] = false, ["fused"] = null, ["decoupled_weight_decay"] = false,
    })
{
    protected override void StepGroup(ParamGroup group) { }
}

/// <summary>torch.optim.Rprop's defaults: neither momentum nor betas.</summary>
internal sealed class PlainTestOptimizer(OptimizerParams parameters, double lr = 1e-2)
    : Optimizer(parameters, new()
    {
        ["lr"] = lr, ["etas"] = (0.5, 1.2), ["step_sizes"] = (1e-6, 50.0), ["foreach"] = null, ["maximize"] = false,
        ["differentiable"] = false, ["capturable"] = false,
    })
{
    protected override void StepGroup(ParamGroup group) { }
}
