namespace SharpOptim.Bench;

/// <summary>One benchmark shape: <see cref="Count"/> float32 tensors of <see cref="Size"/> elements each.</summary>
public sealed record BenchCase(string Name, int Count, int Size)
{
    public long Elements => (long)Count * Size;

    /// <summary>The three cases: one big tensor, a thousand medium ones, ten thousand tiny ones.</summary>
    public static readonly BenchCase[] Standard =
    [
        new("a", 1, 64 << 20),
        new("b", 1000, 16 << 10),
        new("c", 10000, 100),
    ];

    /// <summary>A comma-separated list of case names, or "none"; an unknown name throws.</summary>
    public static BenchCase[] Parse(string? list) => list is "none"
        ? []
        : (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => Standard.FirstOrDefault(s => s.Name == c) ?? throw new ArgumentException($"Unknown case '{c}' (a, b, c or none)."))
            .ToArray();
}
