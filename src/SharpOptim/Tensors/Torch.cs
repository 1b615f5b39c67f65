using SharpOptim.Autograd;

namespace SharpOptim;

/// <summary>The <c>torch.*</c> functions: tensor factories, grad-mode scopes, seeding, joins.</summary>
public static partial class Torch
{
    /// <summary>The dtype factories use when none is given (PyTorch's <c>torch.get_default_dtype()</c>).</summary>
    public static DType DefaultDType { get; set; } = DType.Float32;

    /// <summary>The generator used when none is passed.</summary>
    public static Generator DefaultGenerator { get; } = new(0);

    /// <summary>Seeds the default generator, like <c>torch.manual_seed</c>.</summary>
    public static Generator ManualSeed(long seed) => DefaultGenerator.ManualSeed(seed);

    /// <summary>The default generator's state (PyTorch's <c>torch.get_rng_state()</c>); see <see cref="Generator.GetState"/>.</summary>
    public static Tensor GetRngState() => DefaultGenerator.GetState();

    /// <summary>
    /// Restores the default generator's state (PyTorch's <c>torch.set_rng_state</c>), e.g. from a
    /// checkpoint, so dropout and shuffling continue as they would have; a tensor that is not a
    /// state is refused and nothing changes (see <see cref="Generator.SetState"/>).
    /// </summary>
    public static void SetRngState(Tensor state) => DefaultGenerator.SetState(state);

    /// <summary>A scope in which no operation is recorded for autograd: <c>using (Torch.NoGrad()) { ... }</c>.</summary>
    public static IDisposable NoGrad() => new GradModeScope(false);

    /// <summary>A scope in which operations are recorded again (inside a <see cref="NoGrad"/> scope).</summary>
    public static IDisposable EnableGrad() => new GradModeScope(true);

    /// <summary>A scope that sets grad mode to <paramref name="enabled"/>.</summary>
    public static IDisposable SetGradEnabled(bool enabled) => new GradModeScope(enabled);

    /// <summary>True when operations are currently recorded.</summary>
    public static bool IsGradEnabled => GradMode.IsEnabled;

    // ---------------------------------------------------------------- factories

    /// <summary>
    /// A new tensor of <paramref name="shape"/>, as <c>torch.empty</c>. Unlike PyTorch's, its
    /// elements are zero (managed memory is cleared), so it is the same as <see cref="Zeros(int[], DType?, bool)"/>.
    /// </summary>
    /// <param name="shape">The sizes of each dimension (copied); empty for a 0-d tensor.</param>
    /// <param name="dtype">The element type; <see cref="DefaultDType"/> (float32) when null.</param>
    /// <param name="requiresGrad">Whether the new leaf records operations for autograd (float dtypes only).</param>
    public static Tensor Empty(int[] shape, DType? dtype = null, bool requiresGrad = false)
    {
        var t = new Tensor(Storage.Allocate(dtype ?? DefaultDType, ShapeUtil.Numel(shape)), (int[])shape.Clone());
        return requiresGrad ? t.RequiresGrad_() : t;
    }

    /// <summary>A new tensor of zeros, as <c>torch.zeros(shape, dtype=..., requires_grad=...)</c>; <paramref name="dtype"/> defaults to <see cref="DefaultDType"/>.</summary>
    public static Tensor Zeros(int[] shape, DType? dtype = null, bool requiresGrad = false) => Empty(shape, dtype, requiresGrad);

    /// <summary>A new tensor of zeros in <see cref="DefaultDType"/>: <c>Torch.Zeros(2, 3)</c> as <c>torch.zeros(2, 3)</c>.</summary>
    public static Tensor Zeros(params int[] shape) => Zeros(shape, null);

    /// <summary>A new tensor of ones, as <c>torch.ones(shape, dtype=..., requires_grad=...)</c>; <paramref name="dtype"/> defaults to <see cref="DefaultDType"/>.</summary>
    public static Tensor Ones(int[] shape, DType? dtype = null, bool requiresGrad = false) => Full(shape, 1, dtype, requiresGrad);

    /// <summary>A new tensor of ones in <see cref="DefaultDType"/>: <c>Torch.Ones(2, 3)</c> as <c>torch.ones(2, 3)</c>.</summary>
    public static Tensor Ones(params int[] shape) => Ones(shape, null);

    /// <summary>
    /// A new tensor with every element <paramref name="value"/>, as <c>torch.full</c>;
    /// <paramref name="dtype"/> defaults to <see cref="DefaultDType"/> (PyTorch would infer int64 from
    /// an integer fill value: pass <see cref="DType.Int64"/> for that).
    /// </summary>
    public static Tensor Full(int[] shape, double value, DType? dtype = null, bool requiresGrad = false)
    {
        var t = Empty(shape, dtype);
        using (NoGrad()) t.Fill_(value);
        return requiresGrad ? t.RequiresGrad_() : t;
    }

    /// <summary>Zeros with <paramref name="t"/>'s shape and dtype, as <c>torch.zeros_like</c>; not requiring grad.</summary>
    public static Tensor ZerosLike(Tensor t) => Zeros(t.ShapeRef, t.DType);

    /// <summary>Ones with <paramref name="t"/>'s shape and dtype, as <c>torch.ones_like</c>; not requiring grad.</summary>
    public static Tensor OnesLike(Tensor t) => Ones(t.ShapeRef, t.DType);

    /// <summary>A tensor with <paramref name="t"/>'s shape and dtype, as <c>torch.empty_like</c> (zero-filled, see <see cref="Empty"/>).</summary>
    public static Tensor EmptyLike(Tensor t) => Empty(t.ShapeRef, t.DType);

    /// <summary><paramref name="value"/> everywhere, with <paramref name="t"/>'s shape and dtype, as <c>torch.full_like</c>.</summary>
    public static Tensor FullLike(Tensor t, double value) => Full(t.ShapeRef, value, t.DType);

    /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value, DType? dtype = null, bool requiresGrad = false) => Full([], value, dtype, requiresGrad);

    /// <summary><c>[start, end)</c> in steps of <paramref name="step"/>, as PyTorch's arange (default dtype float unless told).</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType? dtype = null)
    {
        if (step == 0) throw new ArgumentException("step must be nonzero");
        if ((end - start) / step < 0) throw new ArgumentException("upper bound and larger bound inconsistent with step sign");
        int n = (int)Math.Ceiling((end - start) / step);
        var t = Empty([n], dtype);
        for (int i = 0; i < n; i++) t.SetFromDouble(i, start + i * step);
        return t;
    }

    /// <summary><c>0, 1, ..., ceil(end) - 1</c> as a 1-D tensor, as <c>torch.arange(end)</c>; <paramref name="dtype"/> defaults to <see cref="DefaultDType"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="end"/> is negative.</exception>
    public static Tensor Arange(double end, DType? dtype = null) => Arange(0, end, 1, dtype);

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(int[] shape, DType? dtype = null, Generator? generator = null, bool requiresGrad = false)
    {
        var t = Empty(shape, dtype);
        var g = generator ?? DefaultGenerator;
        lock (g)
            for (int i = 0; i < t.Numel; i++) t.SetFromDouble(i, g.NextDouble());
        return requiresGrad ? t.RequiresGrad_() : t;
    }

    /// <summary>Uniform samples in [0, 1) from <see cref="DefaultGenerator"/>, in <see cref="DefaultDType"/>, as <c>torch.rand(*shape)</c> (not PyTorch's stream: the generator is SharpOptim's own).</summary>
    public static Tensor Rand(params int[] shape) => Rand(shape, null);

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(int[] shape, DType? dtype = null, Generator? generator = null, bool requiresGrad = false)
    {
        var t = Empty(shape, dtype);
        var g = generator ?? DefaultGenerator;
        lock (g)
            for (int i = 0; i < t.Numel; i++) t.SetFromDouble(i, g.NextNormal());
        return requiresGrad ? t.RequiresGrad_() : t;
    }

    /// <summary>Standard normal samples from <see cref="DefaultGenerator"/>, in <see cref="DefaultDType"/>, as <c>torch.randn(*shape)</c> (not PyTorch's stream: the generator is SharpOptim's own).</summary>
    public static Tensor Randn(params int[] shape) => Randn(shape, null);

    /// <summary>A random permutation of 0..n-1 (int64).</summary>
    public static Tensor RandPerm(int n, Generator? generator = null)
    {
        var g = generator ?? DefaultGenerator;
        var values = new long[n];
        for (int i = 0; i < n; i++) values[i] = i;
        lock (g)
            for (int i = n - 1; i > 0; i--)
            {
                int j = (int)g.NextInt64(i + 1);
                (values[i], values[j]) = (values[j], values[i]);
            }
        return Tensor(values, [n]);
    }

    /// <summary>A float32 tensor copied from <paramref name="data"/> (1-D unless a shape is given).</summary>
    public static Tensor Tensor(float[] data, int[]? shape = null, bool requiresGrad = false) => FromSpan<float>(data, shape, requiresGrad);

    /// <summary>A float64 tensor copied from <paramref name="data"/> (1-D unless a shape is given).</summary>
    public static Tensor Tensor(double[] data, int[]? shape = null, bool requiresGrad = false) => FromSpan<double>(data, shape, requiresGrad);

    /// <summary>An int64 tensor copied from <paramref name="data"/> (1-D unless a shape is given).</summary>
    public static Tensor Tensor(long[] data, int[]? shape = null) => FromSpan<long>(data, shape, false);

    /// <summary>A bool tensor copied from <paramref name="data"/> (1-D unless a shape is given).</summary>
    public static Tensor Tensor(bool[] data, int[]? shape = null) => FromSpan<bool>(data, shape, false);

    /// <summary>A 0-d tensor of the default dtype, like <c>torch.tensor(0.5)</c>.</summary>
    public static Tensor Tensor(double value, DType? dtype = null, bool requiresGrad = false) => Scalar(value, dtype, requiresGrad);

    /// <summary>A tensor copied from a span of float, double, long or bool.</summary>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, int[]? shape = null, bool requiresGrad = false) where T : unmanaged
    {
        shape ??= [data.Length];
        if (ShapeUtil.Numel(shape) != data.Length)
            throw new ArgumentException($"{data.Length} values do not fill shape {ShapeUtil.Format(shape)}");
        var t = new Tensor(Storage.AllocateUninitialized(DTypeInfo.Of<T>(), data.Length), (int[])shape.Clone());
        data.CopyTo(t.Span<T>());
        return requiresGrad ? t.RequiresGrad_() : t;
    }

    /// <summary>
    /// <paramref name="input"/> with dims <paramref name="startDim"/>..<paramref name="endDim"/>
    /// merged (a view), as <c>torch.flatten</c>; see <see cref="SharpOptim.Tensor.Flatten"/>.
    /// </summary>
    public static Tensor Flatten(Tensor input, int startDim = 0, int endDim = -1)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Flatten(startDim, endDim);
    }

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> holds, else of <paramref name="b"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => SharpOptim.Tensor.WhereImpl(condition, a, b);

    /// <summary>A sparse COO tensor from int64 <paramref name="indices"/> (sparse_dim × nnz) and <paramref name="values"/> (nnz × dense dims).</summary>
    public static Tensor SparseCooTensor(Tensor indices, Tensor values, int[] shape) => SharpOptim.Tensor.MakeSparse(indices, values, shape);
}
