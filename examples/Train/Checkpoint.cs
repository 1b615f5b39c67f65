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
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        Torch.Save(contents, path);
    }

    /// <summary>Restores every part the run has from <paramref name="path"/>; returns the epochs already done.</summary>
    public int Load(string path)
    {
        var contents = Torch.Load<OrderedDictionary<string, object?>>(path);
        IReadOnlyDictionary<string, object?> Part(string key) =>
            contents.TryGetValue(key, out var value) && value is IReadOnlyDictionary<string, object?> part
                ? part
                : throw new InvalidDataException($"checkpoint {path} has no '{key}' entry; it was written by a run with other options");

        model.LoadStateDict(Part("model"));
        optimizers.Main.LoadStateDict(Part("optimizer"));
        for (int i = 0; i < optimizers.Others.Length; i++) optimizers.Others[i].LoadStateDict(Part($"optimizer_{i + 2}"));
        scheduler?.LoadStateDict(Part("scheduler"));
        swaModel?.LoadStateDict(Part("swa_model"));
        swaScheduler?.LoadStateDict(Part("swa_scheduler"));
        emaModel?.LoadStateDict(Part("ema_model"));
        if (contents.TryGetValue("rng_state", out var rngState) && rngState is Tensor state) Torch.SetRngState(state);   // absent before the example saved it
        return contents["epoch"] is long epoch ? checked((int)epoch)
            : throw new InvalidDataException($"checkpoint {path} has no integer 'epoch' entry");
    }
}
