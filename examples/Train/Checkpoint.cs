using SharpOptim.NN;
using SharpOptim.Optim;
using SharpOptim.Optim.LrScheduler;
using SharpOptim.Optim.SwaUtils;

namespace SharpOptim.Examples.Train;

/// <summary>
/// <c>--save</c> / <c>--resume</c>: everything a run needs to continue exactly, in one file in
/// PyTorch's checkpoint format (the usual idiom: a dict of state dicts plus the epoch), so the same
/// file also loads in PyTorch with <c>torch.load(path, weights_only=True)</c>. The batch order of
/// each epoch is derived from the seed and the epoch number (see <see cref="Trainer"/>); the
/// default generator's state is saved too (<c>rng_state</c>, as PyTorch scripts save
/// <c>torch.get_rng_state()</c>), so whatever draws from it (dropout, a shuffling DataLoader)
/// continues after a resume as in an uninterrupted run.
/// </summary>
public sealed class Checkpoint(
    Module model, OptimizerSet optimizers, LRScheduler? scheduler,
    AveragedModel? swaModel, SWALR? swaScheduler, AveragedModel? emaModel)
{
    /// <summary>The run's options that a resume must repeat (<see cref="ResumeCheck.Record"/>), saved with every checkpoint.</summary>
    public IReadOnlyDictionary<string, object?>? Options { get; init; }

    public void Save(string path, int epochsDone)
    {
        var contents = new OrderedDictionary<string, object?>
        {
            ["model"] = model.StateDict(),
            ["optimizer"] = optimizers.Main.StateDict(),
            ["epoch"] = epochsDone,
            ["rng_state"] = Torch.GetRngState(),
        };
        for (int i = 0; i < optimizers.Others.Length; i++) contents[$"optimizer_{i + 2}"] = optimizers.Others[i].StateDict();
        if (scheduler is not null) contents["scheduler"] = scheduler.StateDict();
        if (swaModel is not null) contents["swa_model"] = swaModel.StateDict();
        if (swaScheduler is not null) contents["swa_scheduler"] = swaScheduler.StateDict();
        if (emaModel is not null) contents["ema_model"] = emaModel.StateDict();
        if (Options is not null) contents[ResumeCheck.Key] = Options;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        Torch.Save(contents, path);
    }

    /// <summary>
    /// Restores every part the run has from <paramref name="path"/>; returns the epochs already done.
    /// A file that is not such a checkpoint, or one whose parts do not fit this run (written with
    /// other options and without their record), fails with a one-line <see cref="ResumeException"/>.
    /// </summary>
    public int Load(string path)
    {
        var contents = ResumeCheck.Load(path);
        IReadOnlyDictionary<string, object?> Part(string key)
        {
            try
            {
                return contents.GetStateDict(key);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidCastException)
            {
                throw new ResumeException($"--resume: {path} does not fit this run ({e.Message}); it was written by a run with other options.", e);
            }
        }

        try
        {
            Restore(Part);
            if (contents.TryGetValue("rng_state", out var rngState) && rngState is Tensor state) Torch.SetRngState(state);   // absent before the example saved it
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidCastException or KeyNotFoundException)
        {
            throw new ResumeException($"--resume: {path} does not fit this run ({e.Message}); resume with the options it was written with.", e);
        }
        return ResumeCheck.EpochsDone(contents, path);
    }

    private void Restore(Func<string, IReadOnlyDictionary<string, object?>> Part)
    {
        model.LoadStateDict(Part("model"));
        LoadOptimizer(optimizers.Main, Part("optimizer"), "optimizer");
        for (int i = 0; i < optimizers.Others.Length; i++) LoadOptimizer(optimizers.Others[i], Part($"optimizer_{i + 2}"), $"optimizer_{i + 2}");
        scheduler?.LoadStateDict(Part("scheduler"));
        swaModel?.LoadStateDict(Part("swa_model"));
        swaScheduler?.LoadStateDict(Part("swa_scheduler"));
        emaModel?.LoadStateDict(Part("ema_model"));
    }

    /// <summary>
    /// Loads an optimizer's state and checks that its param groups kept every option this
    /// optimizer reads: a state dict of another algorithm replaces them without complaint (as in
    /// PyTorch), and the first step would then fail on a missing option.
    /// </summary>
    private static void LoadOptimizer(Optimizer optimizer, IReadOnlyDictionary<string, object?> state, string key)
    {
        var options = optimizer.ParamGroups.Select(g => g.Keys.ToList()).ToList();
        optimizer.LoadStateDict(state);
        for (int g = 0; g < options.Count && g < optimizer.ParamGroups.Count; g++)
            if (options[g].FirstOrDefault(option => !optimizer.ParamGroups[g].ContainsKey(option)) is { } missing)
                throw new ArgumentException($"the '{key}' entry's param groups have no option '{missing}' that {optimizer.GetType().Name} needs");
    }
}
