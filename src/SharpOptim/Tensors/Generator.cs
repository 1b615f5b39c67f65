namespace SharpOptim;

/// <summary>
/// A seeded pseudo-random generator (xoshiro256**). Streams are reproducible for a seed, but they
/// are not PyTorch's Mersenne-Twister streams: tests that need PyTorch's numbers record them.
/// </summary>
/// <remarks>
/// Thread safety, as PyTorch's CPU generator (which holds its mutex for one op's draws): every
/// tensor op that draws (<c>Torch.Rand</c>, <c>Randn</c>, <c>RandPerm</c>, <c>Init</c>, dropout)
/// and <see cref="ManualSeed"/> lock the generator, so ops on a shared generator (such as
/// <see cref="Torch.DefaultGenerator"/>) from several threads each take a contiguous piece of the
/// stream and never tear its state. The single-value methods (<see cref="NextUInt64"/> ...) do not
/// lock: a caller drawing values one by one from several threads locks the generator itself.
/// </remarks>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    public Generator(long seed = 0) => Reseed(seed);

    /// <summary>The seed last set.</summary>
    public long InitialSeed { get; private set; }

    /// <summary>Restarts the stream from <paramref name="seed"/>.</summary>
    public Generator ManualSeed(long seed)
    {
        lock (this) Reseed(seed);
        return this;
    }

    private void Reseed(long seed)
    {
        InitialSeed = seed;
        ulong x = (ulong)seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
        _spareNormal = null;
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal (Box–Muller, with the spare value kept for the next call).</summary>
    public double NextNormal()
    {
        if (_spareNormal is double spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = radius * Math.Sin(2 * Math.PI * u2);
        return radius * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Uniform integer in [0, n).</summary>
    public long NextInt64(long n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "upper bound must be positive");
        return (long)(NextDouble() * n);
    }
}
