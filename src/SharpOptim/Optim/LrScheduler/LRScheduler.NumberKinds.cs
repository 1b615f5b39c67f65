using System.Globalization;
using System.Collections;

namespace SharpOptim.Optim.LrScheduler;

// Python tells ints from floats and keeps each value's type; a scheduler here holds its numbers
// as doubles. So that a state dict comes back with PyTorch's types, the entries (or list items)
// that held a Python int — in a state dict this scheduler loaded (a user's eta_min=0, int lrs), or
// in PyTorch's own defaults (ReduceLROnPlateau's min_lr=0) — are noted with their value, and saved
// as ints while they keep it. A value the schedule has since changed is saved as a float, as
// Python's arithmetic with a float makes it.
public abstract partial class LRScheduler
{
    // (entry, list index or -1) → the value it held as a Python int.
    private readonly Dictionary<(string Key, int Index), double> _intValues = new();

    /// <summary>Notes that entry <paramref name="key"/> (item <paramref name="index"/> of a list, or -1) holds the Python int <paramref name="value"/>.</summary>
    private protected void NoteInt(string key, int index, double value) => _intValues[(key, index)] = value;

    /// <summary>
    /// Replaces what is noted for <paramref name="key"/> with the kinds of the value a state dict
    /// gave it: a number, or a list of numbers (or tensors).
    /// </summary>
    private protected void NoteLoadedKinds(string key, object? loaded)
    {
        foreach (var noted in _intValues.Keys.Where(k => k.Key == key).ToList()) _intValues.Remove(noted);
        if (IsPythonInt(loaded)) NoteInt(key, -1, Convert.ToDouble(loaded, CultureInfo.InvariantCulture));
        else if (loaded is IList list)
            for (int i = 0; i < list.Count; i++)
                if (IsPythonInt(list[i])) NoteInt(key, i, Convert.ToDouble(list[i], CultureInfo.InvariantCulture));
    }

    private static bool IsPythonInt(object? value) => value is int or long or short or byte;

    /// <summary>A number as the state dict holds it: an int when it is still the int noted for it, else a float.</summary>
    private protected object ExportNumber(string key, double value, int index = -1)
    {
        if (!_intValues.TryGetValue((key, index), out double noted) || noted != value) return value;
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : (long)value;
    }

    private List<object?> ExportLrs(string key, IReadOnlyList<FloatOrTensor> lrs)
    {
        var result = new List<object?>(lrs.Count);
        for (int i = 0; i < lrs.Count; i++)
            result.Add(lrs[i].Tensor is null ? ExportNumber(key, lrs[i].Value, i) : SchedulerStateValues.Export(lrs[i]));
        return result;
    }
}
