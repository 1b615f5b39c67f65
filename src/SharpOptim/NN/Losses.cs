namespace SharpOptim.NN;

/// <summary>
/// Base of the loss modules (PyTorch's <c>_Loss</c>). A loss takes an input and a target, so it
/// is called with <see cref="Call(Tensor, Tensor)"/>; the one-argument Forward does not apply.
/// </summary>
public abstract class Loss : Module
{
    /// <param name="reduction">"mean" (default), "sum" or "none".</param>
    protected Loss(string reduction)
    {
        Functional.CheckReduction(reduction);
        Reduction = reduction;
    }

    /// <summary>"mean", "sum" or "none".</summary>
    public string Reduction { get; }

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/>, reduced as <see cref="Reduction"/> says (a 0-d tensor for "mean" and "sum").</summary>
    /// <param name="input">The model's output.</param>
    /// <param name="target">What it should have been; its dtype and shape depend on the loss.</param>
    public abstract Tensor Forward(Tensor input, Tensor target);

    /// <summary>Runs the loss, as PyTorch's <c>criterion(input, target)</c>; same as <see cref="Forward(Tensor, Tensor)"/>.</summary>
    public Tensor Call(Tensor input, Tensor target) => Forward(input, target);

    /// <summary>Not applicable: a loss needs a target. Use <see cref="Forward(Tensor, Tensor)"/>.</summary>
    public sealed override Tensor Forward(Tensor input)
        => throw new NotSupportedException($"{GetType().Name} takes an input and a target: call Forward(input, target)");
}

/// <summary>Mean squared error, as <c>torch.nn.MSELoss</c>.</summary>
public sealed class MSELoss(string reduction = "mean") : Loss(reduction)
{
    /// <inheritdoc/>
    /// <remarks>Float <paramref name="input"/> and <paramref name="target"/> that broadcast together; see <see cref="Functional.MseLoss"/>.</remarks>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.MseLoss(input, target, Reduction);
}

/// <summary>
/// Cross entropy of logits (N, C) against int64 class indices (N), as
/// <c>torch.nn.CrossEntropyLoss</c> (log-softmax then negative log-likelihood).
/// </summary>
public sealed class CrossEntropyLoss(string reduction = "mean", long ignoreIndex = -100) : Loss(reduction)
{
    /// <summary>Targets with this value are skipped (and not counted by "mean").</summary>
    public long IgnoreIndex { get; } = ignoreIndex;

    /// <inheritdoc/>
    /// <remarks>Logits (N, C) or (C) against int64 class indices (N) or (), or against class probabilities of the input's shape; see <see cref="Functional.CrossEntropy"/>.</remarks>
    /// <exception cref="ArgumentException">Shapes that do not pair up, or a target of the wrong dtype.</exception>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.CrossEntropy(input, target, Reduction, IgnoreIndex);
}

/// <summary>
/// Negative log-likelihood of log-probabilities (N, C) against int64 class indices (N), as
/// <c>torch.nn.NLLLoss</c> (see <see cref="Functional.NllLoss"/>); after <c>LogSoftmax</c> it is
/// the cross entropy.
/// </summary>
/// <param name="reduction">"mean" (default), "sum" or "none".</param>
/// <param name="ignoreIndex">Targets with this value are skipped (and not counted by "mean").</param>
public sealed class NLLLoss(string reduction = "mean", long ignoreIndex = -100) : Loss(reduction)
{
    /// <summary>Targets with this value are skipped (and not counted by "mean").</summary>
    public long IgnoreIndex { get; } = ignoreIndex;

    /// <summary>The loss of log-probabilities <paramref name="input"/> against class indices <paramref name="target"/>.</summary>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.NllLoss(input, target, Reduction, IgnoreIndex);
}

/// <summary>Sigmoid plus binary cross entropy in one numerically stable step, as <c>torch.nn.BCEWithLogitsLoss</c>.</summary>
public sealed class BCEWithLogitsLoss(string reduction = "mean") : Loss(reduction)
{
    /// <inheritdoc/>
    /// <remarks>Logits and targets in [0, 1] of one shape; see <see cref="Functional.BinaryCrossEntropyWithLogits"/>.</remarks>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.BinaryCrossEntropyWithLogits(input, target, Reduction);
}
