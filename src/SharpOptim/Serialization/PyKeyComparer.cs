namespace SharpOptim.Serialization;

/// <summary>
/// Equality and hashing for the keys of dictionaries read from checkpoints (strings, integers,
/// floats, booleans, tuples of those). Hash codes are mixed with the process's random
/// <see cref="HashCode"/> seed, so a crafted file cannot make many distinct integer keys collide
/// and turn loading quadratic (long.GetHashCode folds 64 bits into 32 predictably).
/// </summary>
internal sealed class PyKeyComparer : IEqualityComparer<object?>
{
    public static readonly PyKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) => ReferenceEquals(x, y) || (x is not null && x.Equals(y));

    public int GetHashCode(object? obj) => obj switch
    {
        null => 0,
        long l => Mix(l),
        double d => Mix(d == 0 ? 0L : BitConverter.DoubleToInt64Bits(d)),
        bool b => HashCode.Combine(b),
        _ => obj.GetHashCode(),
    };

    // Both halves go through the seeded mixer; folding them first would keep the collisions.
    private static int Mix(long bits) => HashCode.Combine((int)bits, (int)(bits >> 32));
}
