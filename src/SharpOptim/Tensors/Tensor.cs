using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpOptim.Autograd;

namespace SharpOptim;

/// <summary>
/// A dense, contiguous, CPU tensor (or a sparse COO tensor, see <see cref="IsSparse"/>), with
/// reverse-mode autograd. The API mirrors PyTorch's: in-place operations end in <c>_</c>.
/// </summary>
/// <remarks>
/// <para>Rules shared by the operations, which their own comments do not repeat:</para>
/// <list type="bullet">
/// <item><b>Dtypes.</b> Arithmetic, math functions and autograd take float32 and float64; int64
/// and bool tensors hold labels, indices and masks, and a floating-point operation on them throws
/// <see cref="NotSupportedException"/>. Two floating operands promote as in PyTorch: a 0-d tensor
/// takes the other operand's dtype, otherwise float32 with float64 gives float64. A <c>double</c>
/// scalar is rounded to the tensor's dtype first, as PyTorch's CPU kernels do.</item>
/// <item><b>Broadcasting.</b> Binary operations broadcast as PyTorch's (shapes aligned from the
/// last dim, each pair equal or one of them 1) and throw <see cref="ArgumentException"/> naming
/// the sizes when they do not.</item>
/// <item><b>In place</b> (<c>Add_</c>, <c>Exp_</c>, ...). The result is written into this
/// tensor's storage in its own dtype and shape (operands are cast, and must broadcast to this
/// shape), the version counter is bumped (a backward that saved the old values then throws, as
/// PyTorch's), and the method returns <c>this</c>. While autograd records it, an in-place
/// operation on a leaf that requires grad throws <see cref="InvalidOperationException"/> (as
/// PyTorch), and one on a view (<see cref="Reshape"/>, <see cref="Narrow"/>, indexing) throws
/// <see cref="NotSupportedException"/>.</item>
/// <item><b>Sparse tensors</b> support only what their methods say; any other operation throws
/// <see cref="NotSupportedException"/>.</item>
/// </list>
/// </remarks>
public partial class Tensor
{
    private readonly int[] _shape;
    private bool _requiresGrad;

    internal Tensor(Storage storage, int offset, int[] shape)
    {
        Storage = storage;
        Offset = offset;
        _shape = shape;
        Numel = ShapeUtil.Numel(shape);
        if (offset < 0 || offset + Numel > storage.Length)
            throw new ArgumentException("view does not fit in its storage");
    }

    internal Tensor(Storage storage, int[] shape) : this(storage, 0, shape) { }

    /// <summary>A new leaf sharing <paramref name="data"/>'s elements (how <c>Parameter</c> wraps a tensor).</summary>
    protected Tensor(Tensor data) : this(data.Storage, data.Offset, (int[])data._shape.Clone())
    {
        data.ThrowIfSparse();
    }

    internal Storage Storage { get; }

    internal int Offset { get; }

    /// <summary>
    /// For a view made by reshape or narrow (and so select and indexing): the tensor that owns
    /// the elements (never itself a view). In-place ops under autograd check it, see <c>InPlace</c>.
    /// </summary>
    internal Tensor? ViewBase { get; private set; }

    /// <summary>Marks <paramref name="view"/> as a view of this tensor (or of this tensor's own base).</summary>
    internal Tensor AsViewOf(Tensor view)
    {
        view.ViewBase = ViewBase ?? this;
        return view;
    }

    /// <summary>The element type.</summary>
    public DType DType => Storage.DType;

    /// <summary>The sizes of each dimension (a copy).</summary>
    public int[] Shape => (int[])_shape.Clone();

    internal int[] ShapeRef => _shape;

    /// <summary>Number of dimensions; 0 for a scalar tensor.</summary>
    public int Dim => _shape.Length;

    /// <summary>Number of elements.</summary>
    public int Numel { get; }

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => _shape[ShapeUtil.NormalizeDim(dim, Dim)];

    /// <summary>True for float32 and float64 tensors.</summary>
    public bool IsFloatingPoint => DType.IsFloatingPoint();

    // ---------------------------------------------------------------- autograd state

    /// <summary>The node that produced this tensor, or null for a leaf.</summary>
    public Node? GradFn { get; internal set; }

    /// <summary>A leaf is a tensor not produced by a recorded operation (user-created, or made with grad disabled).</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>Whether autograd records operations on this tensor.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad || GradFn is not null;
        set
        {
            if (!IsLeaf)
            {
                if (value) return;
                throw new InvalidOperationException(
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
            }
            if (value && !IsFloatingPoint)
                throw new InvalidOperationException($"only Tensors of floating point dtype can require gradients, not {DType.TorchName()}");
            _requiresGrad = value;
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, like PyTorch's <c>requires_grad_()</c>.</summary>
    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>The accumulated gradient; null until a backward pass reaches this tensor.</summary>
    public Tensor? Grad
    {
        get => _grad;
        set
        {
            if (value is not null)
            {
                if (value.DType != DType)
                    throw new ArgumentException($"assigned grad has data of a different type ({value.DType.TorchName()}) than the tensor ({DType.TorchName()})");
                if (!ShapeUtil.SameShape(value._shape, _shape))
                    throw new ArgumentException($"assigned grad has shape {ShapeUtil.Format(value._shape)} but the tensor has shape {ShapeUtil.Format(_shape)}");
            }
            _grad = value;
        }
    }

    private Tensor? _grad;

    /// <summary>True when <see cref="RetainGrad"/> was called on this non-leaf tensor.</summary>
    public bool RetainsGrad { get; private set; }

    /// <summary>Keeps the gradient of a non-leaf tensor in <see cref="Grad"/> after backward.</summary>
    public void RetainGrad()
    {
        if (IsLeaf || RetainsGrad) return;
        RetainsGrad = true;
        (GradFn!.RetainedOutputs ??= []).Add(new WeakReference<Tensor>(this));
    }

    /// <summary>
    /// Runs backpropagation from this tensor, accumulating into the leaves' <see cref="Grad"/>. A
    /// non-scalar tensor needs an explicit <paramref name="gradient"/>. As in PyTorch, the values
    /// the graph saved for backward are freed as it runs, so a second backward through the same
    /// graph throws (PyTorch's RuntimeError) unless the first one passed
    /// <paramref name="retainGraph"/> (PyTorch's <c>retain_graph=True</c>); only a graph whose
    /// nodes saved nothing (sums, adds, views) can be run again without it. There is no
    /// <c>create_graph</c>: the backward pass is never itself recorded.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) => Engine.Backward(this, gradient, retainGraph);

    /// <summary>A tensor sharing this one's data, cut from the graph.</summary>
    public Tensor Detach() => IsSparse ? SparseDetach() : new Tensor(Storage, Offset, _shape);

    /// <summary>Removes this tensor from the graph in place, making it a leaf that does not require grad.</summary>
    public Tensor Detach_()
    {
        GradFn = null;
        _requiresGrad = false;
        return this;
    }

    // ---------------------------------------------------------------- data access

    /// <summary>The elements as a span over the shared storage. <typeparamref name="T"/> must match <see cref="DType"/>.</summary>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        ThrowIfSparse();
        if (DTypeInfo.Of<T>() != DType)
            throw new InvalidOperationException($"tensor has dtype {DType.TorchName()}, not {DTypeInfo.Of<T>().TorchName()}");
        return new Span<T>((T[])Storage.Data, Storage.Start + Offset, Numel);
    }

    /// <summary>
    /// Records that this tensor's elements were written directly (through <see cref="AsSpan{T}"/>),
    /// so autograd refuses a backward that saved the old values, as after any in-place op.
    /// </summary>
    public void MarkModified() => Storage.Version++;

    internal Span<T> Span<T>() where T : unmanaged => new((T[])Storage.Data, Storage.Start + Offset, Numel);

    /// <summary>The elements as a new array, in row-major order.</summary>
    public T[] ToArray<T>() where T : unmanaged => AsSpan<T>().ToArray();

    /// <summary>The elements converted to double, in row-major order.</summary>
    public double[] ToDoubleArray()
    {
        ThrowIfSparse();
        var result = new double[Numel];
        switch (DType)
        {
            case DType.Float32: { var s = Span<float>(); for (int i = 0; i < s.Length; i++) result[i] = s[i]; break; }
            case DType.Float64: Span<double>().CopyTo(result); break;
            case DType.Int64: { var s = Span<long>(); for (int i = 0; i < s.Length; i++) result[i] = s[i]; break; }
            case DType.Bool: { var s = Span<bool>(); for (int i = 0; i < s.Length; i++) result[i] = s[i] ? 1 : 0; break; }
        }
        return result;
    }

    /// <summary>The value of a one-element tensor, as a double.</summary>
    public double Item()
    {
        ThrowIfSparse();
        if (Numel != 1)
            throw new InvalidOperationException($"a Tensor with {Numel} elements cannot be converted to Scalar");
        return GetAsDouble(0);
    }

    /// <summary>
    /// The value of a one-element tensor as <typeparamref name="T"/>: float, double, long, int or
    /// bool, whatever the dtype, as PyTorch's <c>item()</c> followed by a Python conversion
    /// (<c>int(t.item())</c>): <c>correct.Sum().Item&lt;long&gt;()</c>, <c>loss.Item&lt;double&gt;()</c>.
    /// A float becomes an integer by truncation toward zero; NaN, an infinity or a value out of the
    /// integer type's range is refused.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor does not hold exactly one element.</exception>
    /// <exception cref="OverflowException">The value has no <typeparamref name="T"/> (NaN or out of range for an integer type).</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not one of the types above.</exception>
    public T Item<T>() where T : unmanaged
    {
        ThrowIfSparse();
        if (Numel != 1)
            throw new InvalidOperationException($"a Tensor with {Numel} elements cannot be converted to Scalar");
        if (typeof(T) == typeof(float) && DType == DType.Float32 || typeof(T) == typeof(double) && DType == DType.Float64
            || typeof(T) == typeof(long) && DType == DType.Int64 || typeof(T) == typeof(bool) && DType == DType.Bool)
            return Span<T>()[0];
        if (typeof(T) == typeof(double)) return Convert(GetAsDouble(0));
        if (typeof(T) == typeof(float)) return Convert((float)GetAsDouble(0));
        if (typeof(T) == typeof(bool)) return Convert(GetAsDouble(0) != 0);
        if (typeof(T) == typeof(long)) return Convert(ItemAsInt64(typeof(T).Name));
        if (typeof(T) == typeof(int))
        {
            long value = ItemAsInt64(typeof(T).Name);
            return value is >= int.MinValue and <= int.MaxValue ? Convert((int)value)
                : throw new OverflowException($"{value} does not fit in an Int32");
        }
        throw new NotSupportedException($"Item<{typeof(T).Name}>: a tensor's value converts to float, double, long, int or bool");

        static T Convert<TValue>(TValue value) where TValue : unmanaged => Unsafe.As<TValue, T>(ref value);
    }

    /// <summary>The one element as an integer: int64 exactly, bool as 0 or 1, a float truncated toward zero (as Python's <c>int</c>).</summary>
    private long ItemAsInt64(string typeName)
    {
        if (DType == DType.Int64) return Span<long>()[0];
        double value = GetAsDouble(0);
        if (double.IsNaN(value)) throw new OverflowException($"cannot convert float NaN to {typeName}");
        double truncated = Math.Truncate(value);
        // 2^63 is the first double above long's range; -2^63 itself fits.
        if (truncated >= 9223372036854775808.0 || truncated < -9223372036854775808.0)
            throw new OverflowException($"{PyRepr.Float(value)} does not fit in an {typeName}");
        return (long)truncated;
    }

    internal double GetAsDouble(int flatIndex) => DType switch
    {
        DType.Float32 => Span<float>()[flatIndex],
        DType.Float64 => Span<double>()[flatIndex],
        DType.Int64 => Span<long>()[flatIndex],
        DType.Bool => Span<bool>()[flatIndex] ? 1 : 0,
        _ => throw new InvalidOperationException(),
    };

    internal void SetFromDouble(int flatIndex, double value)
    {
        switch (DType)
        {
            case DType.Float32: Span<float>()[flatIndex] = (float)value; break;
            case DType.Float64: Span<double>()[flatIndex] = value; break;
            case DType.Int64: Span<long>()[flatIndex] = (long)value; break;
            case DType.Bool: Span<bool>()[flatIndex] = value != 0; break;
        }
    }

    internal void ThrowIfSparse()
    {
        if (IsSparse)
            throw new NotSupportedException("this operation is not supported for sparse tensors");
    }

    internal Tensor NewLike(int[]? shape = null, DType? dtype = null)
        => new(Storage.Allocate(dtype ?? DType, ShapeUtil.Numel(shape ?? _shape)), shape ?? (int[])_shape.Clone());

    /// <summary>Raw element memory as bytes (for serialization and hashing).</summary>
    public ReadOnlySpan<byte> AsBytes() => DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes((ReadOnlySpan<float>)Span<float>()),
        DType.Float64 => MemoryMarshal.AsBytes((ReadOnlySpan<double>)Span<double>()),
        DType.Int64 => MemoryMarshal.AsBytes((ReadOnlySpan<long>)Span<long>()),
        DType.Bool => MemoryMarshal.AsBytes((ReadOnlySpan<bool>)Span<bool>()),
        _ => throw new InvalidOperationException(),
    };
}
