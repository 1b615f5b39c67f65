namespace SharpOptim.Optim.Kernels;

/// <summary>The scalars of one parameter's Adamax step, after its own step count is known.</summary>
internal readonly record struct AdamaxScalars(double Step, double LerpWeight, double Beta2, double Eps, double WeightDecay, double StepSize, bool Maximize)
{
    /// <summary>With Python's arithmetic, a tensor lr making the step size a tensor of its dtype (<see cref="HyperScalar"/>).</summary>
    public static AdamaxScalars Compute(HyperScalar lr, HyperScalar beta1, HyperScalar beta2, double eps, double weightDecay, bool maximize, double step)
        => new(step, (1 - beta1).Value, beta2.Value, eps, weightDecay, (lr / (1 - beta1.Pow(step))).Value, maximize);
}
