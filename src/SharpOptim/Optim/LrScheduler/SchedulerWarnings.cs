namespace SharpOptim.Optim.LrScheduler;

/// <summary>The warnings PyTorch's schedulers raise, word for word, sent through <see cref="TorchWarnings"/>.</summary>
internal static class SchedulerWarnings
{
    public const string EpochDeprecation =
        "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. " +
        "Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from None, " +
        "the closed form is used instead of the new chainable form, where available. " +
        "Please open an issue if you are unable to replicate your use case: https://github.com/pytorch/pytorch/issues/new/choose.";

    public const string StepBeforeOptimizer =
        "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should call them " +
        "in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will result in PyTorch " +
        "skipping the first value of the learning rate schedule. See more details at " +
        "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate";

    public const string GetLrOutsideStep = "To get the last learning rate computed by the scheduler, please use `get_last_lr()`.";

    public static void Warn(string message) => TorchWarnings.Warn("UserWarning", message);
}
