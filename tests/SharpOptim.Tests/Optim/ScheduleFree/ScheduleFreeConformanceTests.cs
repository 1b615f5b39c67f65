using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim.ScheduleFree;

/// <summary>
/// Schedule-Free AdamW against the authors' reference implementation (fixtures by
/// tools/golden/schedulefree.py): an option grid over every constructor argument, mid-run state
/// dicts, on each of our paths. The reference's foreach and for-loop paths give the same bits
/// (the recorder checks it), so its for-loop recordings serve every path; "default" is the
/// constructor's (foreach: true, as the reference's), "fused" is foreach: null.
/// </summary>
public class AdamWScheduleFreeConformanceTests : OptimizerConformance<AdamWScheduleFreeConformanceTests>, IConformanceAlgorithm
{
    public static string Name => "AdamWScheduleFree";
    public static string FixturePrefix => "adamw_schedulefree";

    /// <summary>Our optimizer on a path, put in train mode as the recorder put the reference's.</summary>
    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
    {
        var optimizer = path == OptimizerPath.Default
            ? new AdamWScheduleFree(parameters, k.Lr(0.0025), k.Pair("betas"), k.Number("eps", 1e-8), k.Number("weight_decay", 0),
                (int)k.Number("warmup_steps", 0), k.Number("r", 0), k.Number("weight_lr_power", 2), k.Number("inner_momentum", 0))
            : new AdamWScheduleFree(parameters, k.Lr(0.0025), k.Pair("betas"), k.Number("eps", 1e-8), k.Number("weight_decay", 0),
                (int)k.Number("warmup_steps", 0), k.Number("r", 0), k.Number("weight_lr_power", 2), k.Number("inner_momentum", 0),
                @foreach: path.Foreach);
        optimizer.Train();
        return optimizer;
    }
}

/// <summary>Schedule-Free SGD against the authors' reference implementation (as <see cref="AdamWScheduleFreeConformanceTests"/>).</summary>
public class SGDScheduleFreeConformanceTests : OptimizerConformance<SGDScheduleFreeConformanceTests>, IConformanceAlgorithm
{
    public static string Name => "SGDScheduleFree";
    public static string FixturePrefix => "sgd_schedulefree";

    /// <summary>Our optimizer on a path, put in train mode as the recorder put the reference's.</summary>
    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
    {
        var optimizer = path == OptimizerPath.Default
            ? new SGDScheduleFree(parameters, k.Lr(1.0), k.Number("momentum", 0.9), k.Number("weight_decay", 0),
                (int)k.Number("warmup_steps", 0), k.Number("r", 0), k.Number("weight_lr_power", 2))
            : new SGDScheduleFree(parameters, k.Lr(1.0), k.Number("momentum", 0.9), k.Number("weight_decay", 0),
                (int)k.Number("warmup_steps", 0), k.Number("r", 0), k.Number("weight_lr_power", 2), @foreach: path.Foreach);
        optimizer.Train();
        return optimizer;
    }
}
