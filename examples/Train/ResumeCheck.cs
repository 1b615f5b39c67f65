using System.Globalization;
using SharpOptim.Serialization;
using LoadedCheckpoint = SharpOptim.Serialization.Checkpoint;

namespace SharpOptim.Examples.Train;

/// <summary>A <c>--resume</c> that cannot go on; its message is the one line the program prints.</summary>
public sealed class ResumeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// What a checkpoint must agree on with the run that resumes it. <c>--save</c> records the
/// options that shape the run (as their command-line flags, so the file explains itself in
/// PyTorch too); <c>--resume</c> compares them before anything is built, so that another
/// optimizer, scheduler or learning rate is named in one line instead of failing deep inside a
/// state dict, or, for a scheduler, going on silently with the wrong one. <c>--epochs</c> may
/// differ: a run can be extended.
/// </summary>
public static class ResumeCheck
{
    /// <summary>The checkpoint entry holding <see cref="Record"/>.</summary>
    public const string Key = "options";

    /// <summary>The options a resume must repeat, flag to value (invariant text).</summary>
    public static OrderedDictionary<string, object?> Record(TrainOptions o)
    {
        var record = new OrderedDictionary<string, object?>
        {
            ["--optimizer"] = o.Optimizer.ToLowerInvariant(),
            ["--lr"] = Text(o.BaseLr),
            ["--scheduler"] = o.Scheduler.ToLowerInvariant(),
            ["--batch-size"] = Text(o.BatchSize),
            ["--seed"] = Text(o.Seed),
            ["--swa"] = o.Swa ? "on" : "off",
            ["--ema"] = o.EmaDecay is double d ? Text(d) : "off",
        };
        if (o.Swa) record["--swa-lr"] = Text(o.SwaLr);
        return record;
    }

    /// <summary>
    /// Loads <see cref="TrainOptions.ResumePath"/> and checks that it is a checkpoint, that it was
    /// written with these options (when it records them: files from elsewhere do not) and that
    /// epochs are left to train. Throws <see cref="ResumeException"/> otherwise.
    /// </summary>
    public static void Verify(TrainOptions options)
    {
        string path = options.ResumePath ?? throw new ArgumentException("no --resume path", nameof(options));
        var contents = Load(path);
        if (contents.TryGetValue(Key, out var saved) && saved is IReadOnlyDictionary<string, object?> record)
        {
            var wanted = Record(options);
            var differing = wanted.Keys.Union(record.Keys)
                .Where(flag => !Equals(record.GetValueOrDefault(flag), wanted.GetValueOrDefault(flag)))
                .ToList();
            if (differing.Count > 0)
                throw new ResumeException($"--resume: {path} was written with {Flags(record, differing)}, but this run has {Flags(wanted, differing)}; resume with the options it was written with.");
        }
        int done = EpochsDone(contents, path);
        if (done >= options.Epochs) throw Finished(path, done);
    }

    /// <summary>The checkpoint's contents, or a <see cref="ResumeException"/> naming why the file is not one.</summary>
    public static LoadedCheckpoint Load(string path)
    {
        try
        {
            return Torch.Load<LoadedCheckpoint>(path);
        }
        catch (CheckpointFormatException e)
        {
            throw new ResumeException($"--resume: {path} is not a checkpoint written by --save. {e.Message}", e);
        }
    }

    /// <summary>The checkpoint's <c>epoch</c> entry: how many epochs the saved run had finished.</summary>
    public static int EpochsDone(LoadedCheckpoint contents, string path)
    {
        try
        {
            int epoch = contents.GetInt("epoch");
            if (epoch >= 0) return epoch;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidCastException)
        {
            throw new ResumeException($"--resume: {path} has no 'epoch' entry of a whole number ({e.Message}); it was not written by --save.", e);
        }
        throw new ResumeException($"--resume: {path} has no 'epoch' entry of a whole number; it was not written by --save.");
    }

    /// <summary>A resume with nothing left to train (it would report an empty run).</summary>
    public static ResumeException Finished(string path, int done)
        => new($"--resume: {path} has already trained {done} epochs; pass --epochs above {done} to train further.");

    private static string Flags(IReadOnlyDictionary<string, object?> record, IEnumerable<string> flags)
        => string.Join(' ', flags.Select(f => $"{f} {record.GetValueOrDefault(f) ?? "(unset)"}"));

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
