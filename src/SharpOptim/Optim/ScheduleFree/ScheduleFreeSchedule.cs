namespace SharpOptim.Optim;

/// <summary>
/// One group's learning rate and averaging weight for its coming step, from its options as the
/// reference computes them (Python floats): the warm-up <c>sched = (k+1)/warmup_steps</c> while
/// <c>k &lt; warmup_steps</c>, <c>lr = group lr · sched</c>, <c>lr_max = max(lr, lr_max)</c>,
/// <c>weight = (k+1)^r · lr_max^weight_lr_power</c>, <c>weight_sum += weight</c> and
/// <c>ckp1 = weight / weight_sum</c> (0 when the sum is 0, where the reference catches its
/// ZeroDivisionError). Reading changes nothing; <see cref="WriteTo"/> records the step.
/// </summary>
internal readonly record struct ScheduleFreeSchedule(long K, double Lr, double LrMax, double WeightSum, double Ckp1)
{
    public static ScheduleFreeSchedule Read(ParamGroup group)
    {
        long k = (long)group.GetDouble("k");
        double warmupSteps = group.GetDouble("warmup_steps");
        double sched = k < warmupSteps ? (k + 1) / warmupSteps : 1.0;
        double lr = group.Lr * sched;
        double lrMax = PyMath.Max(lr, group.GetDouble("lr_max"));
        double weight = PyMath.Pow(k + 1, group.GetDouble("r")) * PyMath.Pow(lrMax, group.GetDouble("weight_lr_power"));
        double weightSum = group.GetDouble("weight_sum") + weight;
        double ckp1 = weightSum == 0 ? 0 : weight / weightSum;
        return new(k, lr, lrMax, weightSum, ckp1);
    }

    /// <summary>The step taken: <c>scheduled_lr</c>, <c>lr_max</c>, <c>weight_sum</c> and <c>k + 1</c>, in place (no allocation in steady state).</summary>
    public void WriteTo(ParamGroup group)
    {
        group.WriteNumber("scheduled_lr", Lr);
        group.WriteNumber("lr_max", LrMax);
        group.WriteNumber("weight_sum", WeightSum);
        group.WriteInteger("k", K + 1);
    }

    /// <summary>The reference's <c>1 − base ** (k+1)</c> (a bias correction).</summary>
    public double BiasCorrection(double decay) => 1 - Math.Pow(decay, K + 1);

    /// <summary>
    /// The step's coefficient of the normalised gradient in the <c>y</c> update,
    /// <c>lr·(β·(1−ckp1) − 1)</c>, as the reference computes it in Python floats.
    /// </summary>
    public double YStep(double beta) => Lr * (beta * (1 - Ckp1) - 1);
}
