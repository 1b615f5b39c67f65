using System.Runtime.InteropServices;

namespace SharpOptim;

// Tensors over memory the caller owns (PyTorch's torch.from_numpy / torch.frombuffer): no copy,
// so a simulation or another engine can hand its arrays to an optimizer and see them updated in place.
public static partial class Torch
{
    /// <summary>
    /// A float32 tensor over <paramref name="data"/> itself, not a copy (as <c>torch.from_numpy</c>):
    /// a write through either one is seen by the other, an optimizer step over a
    /// <see cref="NN.Parameter"/> made from it updates the array in place, and a checkpoint saves
    /// the array's values.
    /// </summary>
    /// <param name="data">The elements, row-major; the tensor views all of them.</param>
    /// <param name="shape">The sizes; none given: one dimension of <c>data.Length</c>.</param>
    /// <remarks>
    /// A write made to the array directly is not seen by autograd's check that values saved for a
    /// backward pass were not overwritten; call <see cref="Tensor.MarkModified"/> after one when a
    /// graph may still use the old values.
    /// </remarks>
    /// <exception cref="ArgumentException">The shape's element count differs from the array's length, or a size is negative.</exception>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromMemory(data.AsMemory(), shape, nameof(FromArray));
    }

    /// <summary>A float64 tensor over <paramref name="data"/> itself, not a copy; see <see cref="FromArray(float[], int[])"/>.</summary>
    /// <param name="data">The elements, row-major; the tensor views all of them.</param>
    /// <param name="shape">The sizes; none given: one dimension of <c>data.Length</c>.</param>
    /// <exception cref="ArgumentException">The shape's element count differs from the array's length, or a size is negative.</exception>
    public static Tensor FromArray(double[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromMemory(data.AsMemory(), shape, nameof(FromArray));
    }

    /// <summary>
    /// A tensor over the elements of <paramref name="memory"/> itself, not a copy (a part of an
    /// array is viewed where it lies): float32, float64, int64 or bool for <typeparamref name="T"/>
    /// = float, double, long, bool. As <see cref="FromArray(float[], int[])"/>, writes through either
    /// side are seen by the other.
    /// </summary>
    /// <param name="memory">Memory backed by a managed array (an array, or a slice of one).</param>
    /// <param name="shape">The sizes; none given: one dimension of <c>memory.Length</c>.</param>
    /// <exception cref="ArgumentException">
    /// The shape's element count differs from the memory's length, a size is negative, or the memory
    /// is not backed by a managed array (native memory from a <c>MemoryManager</c>; copy it with
    /// <see cref="FromSpan{T}"/> instead).
    /// </exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not an element type a tensor holds.</exception>
    public static Tensor FromMemory<T>(Memory<T> memory, params int[] shape) where T : unmanaged
        => FromMemory(memory, shape, nameof(FromMemory));

    private static Tensor FromMemory<T>(Memory<T> memory, int[]? shape, string caller) where T : unmanaged
    {
        var dtype = DTypeInfo.Of<T>();
        if (!MemoryMarshal.TryGetArray<T>(memory, out var segment))
            throw new ArgumentException($"{caller}: the memory is not backed by a managed array (native memory cannot be viewed as a tensor); copy it with Torch.FromSpan", nameof(memory));
        int[] sizes = shape is null || shape.Length == 0 ? [segment.Count] : (int[])shape.Clone();
        int numel = ShapeUtil.Numel(sizes);
        if (numel != segment.Count)
            throw new ArgumentException(
                $"{caller}: shape {ShapeUtil.Format(sizes)} has {numel} elements but the {(caller == nameof(FromArray) ? "array" : "memory")} has {segment.Count}; the tensor views all of them, so the counts must be equal",
                nameof(shape));
        // The storage is the whole array and the tensor starts at the slice's offset, as a view of it.
        return new Tensor(new Storage(segment.Array!, dtype), segment.Offset, sizes);
    }
}
