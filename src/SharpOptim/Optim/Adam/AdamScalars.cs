
namespace SharpOptim.Optim.Kernels;

/// <summary>
/// The scalars of one parameter's Adam step, after its own step count is known: what PyTorch's
/// loop body passes to its tensor ops (each then cast to the element type by the op).
/// </summary>
internal readonly record struct AdamScalars(
    double Step, DType DType, double LerpWeight, double Beta2, double OneMinusBeta2, double Bc2Sqrt, double StepSize, double Eps,
    double WeightDecay, double DecayFactor, bool Decoupled, bool Maximize, bool Amsgrad)
{
    /// <summary>
    /// The scalars for step number <paramref name="step"/>, with Python's arithmetic: a tensor lr
    /// or beta makes the results it enters tensors of its dtype (<see cref="HyperScalar"/>), as in
    /// PyTorch's for-loop. PyTorch's fused kernel reads tensors with <c>.item()</c> and computes in
    /// double: pass the values through <see cref="HyperScalar.AsNumber"/> for that.
    /// </summary>
    public static AdamScalars Compute(HyperScalar lr, HyperScalar beta1, HyperScalar beta2, double eps, double weightDecay,
        bool decoupled, bool maximize, bool amsgrad, double step, DType paramDType)
    {
        var bc1 = 1 - beta1.Pow(step);
        var bc2 = 1 - beta2.Pow(step);
        var stepSize = lr / bc1;
        var bc2Sqrt = bc2.Pow(0.5);
        // exp_avg.lerp_(grad, 1 - beta1): a tensor beta1 is first moved to the param's dtype.
        var lerpWeight = 1 - beta1.To(paramDType);
        return new(step, paramDType, lerpWeight.Value, beta2.Value, (1 - beta2).Value, bc2Sqrt.Value, stepSize.Value, eps,
                   decoupled ? 0 : weightDecay, decoupled && weightDecay != 0 ? (1 - lr * weightDecay).Value : 1,
                   decoupled, maximize, amsgrad);
    }
}
