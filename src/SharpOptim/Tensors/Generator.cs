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

    /// <summary>A generator seeded with <paramref name="seed"/>.</summary>
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

    /// <summary>The number of int64 elements of a state (<see cref="GetState"/>).</summary>
    public const int StateLength = 8;

    // "SOxoshi1": SharpOptim's xoshiro256** state, layout 1, so a tensor of another origin is refused.
    private const long StateTag = 0x534F78_6F736869_31;

    /// <summary>
    /// The generator's whole state, as PyTorch's <c>Generator.get_state()</c>: a new 1-D int64
    /// tensor of <see cref="StateLength"/> elements that <see cref="SetState"/> takes back to
    /// continue the stream exactly (a checkpoint saves it like any tensor). Layout (version 1):
    /// a tag (<c>0x534F786F73686931</c>, "SOxoshi1"); the four 64-bit words of the xoshiro256**
    /// state; the seed last set (<see cref="InitialSeed"/>); 1 when a normal sample is held for
    /// the next <see cref="NextNormal"/>, else 0; that sample's IEEE-754 bits (0 when none).
    /// Unlike PyTorch's byte tensor it is not a Mersenne-Twister state, so the two do not mix.
    /// </summary>
    public Tensor GetState()
    {
        var state = new long[StateLength];
        lock (this)
        {
            state[0] = StateTag;
            state[1] = (long)_s0;
            state[2] = (long)_s1;
            state[3] = (long)_s2;
            state[4] = (long)_s3;
            state[5] = InitialSeed;
            state[6] = _spareNormal is null ? 0 : 1;
            state[7] = _spareNormal is double spare ? BitConverter.DoubleToInt64Bits(spare) : 0;
        }
        return Torch.Tensor(state);
    }

    /// <summary>
    /// Restores a state from <see cref="GetState"/> (PyTorch's <c>Generator.set_state</c>): the
    /// following draws are those that followed when the state was taken. A tensor that is not such
    /// a state (another dtype or length, another tag, an all-zero stream state, a bad flag) is
    /// refused with an <see cref="ArgumentException"/> saying what is wrong, and the generator is
    /// left unchanged. Returns this generator.
    /// </summary>
    public Generator SetState(Tensor state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var words = CheckedState(state);
        lock (this)
        {
            _s0 = (ulong)words[1];
            _s1 = (ulong)words[2];
            _s2 = (ulong)words[3];
            _s3 = (ulong)words[4];
            InitialSeed = words[5];
            _spareNormal = words[6] == 1 ? BitConverter.Int64BitsToDouble(words[7]) : null;
        }
        return this;
    }

    private static long[] CheckedState(Tensor state)
    {
        const string expected = "a generator state is the 1-D int64 tensor of 8 elements that Generator.GetState returns";
        if (state.IsSparse || state.DType != DType.Int64 || state.Dim != 1 || state.Numel != StateLength)
            throw new ArgumentException($"{expected}; got a {(state.IsSparse ? "sparse " : "")}{state.DType.TorchName()} tensor of shape {ShapeUtil.Format(state.ShapeRef)}", nameof(state));
        var words = state.ToArray<long>();
        if (words[0] != StateTag)
            throw new ArgumentException($"{expected}: its first element is the tag 0x{StateTag:X16}, not 0x{words[0]:X16} (a state from another generator, such as PyTorch's, does not fit)", nameof(state));
        if (words[1] == 0 && words[2] == 0 && words[3] == 0 && words[4] == 0)
            throw new ArgumentException($"{expected}: its stream words are all zero, a state xoshiro256** never reaches", nameof(state));
        if (words[6] is not (0 or 1) || (words[6] == 0 && words[7] != 0))
            throw new ArgumentException($"{expected}: element 6 (a normal sample held) must be 0 or 1, and element 7 must be 0 when it is 0; got {words[6]} and {words[7]}", nameof(state));
        return words;
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
