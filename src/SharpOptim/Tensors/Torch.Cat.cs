using SharpOptim.Autograd;

namespace SharpOptim;

// torch.cat and torch.stack along any dim, with PyTorch's checks and messages.
public static partial class Torch
{
    /// <summary>
    /// Joins tensors along <paramref name="dim"/> (negative counts from the end), as
    /// <c>torch.cat</c>: every other dim must agree. As in PyTorch, a 1-D tensor with no elements
    /// is skipped whatever its shape. Recorded by autograd (<c>CatBackward0</c>: each input gets its
    /// slice of the gradient). All tensors must have one dtype (PyTorch would promote).
    /// </summary>
    /// <exception cref="ArgumentException">No tensors, a 0-d tensor, or shapes that differ outside <paramref name="dim"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> outside the tensors' dims.</exception>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("torch.cat(): expected a non-empty list of Tensors");
        for (int i = 0; i < tensors.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(tensors[i], nameof(tensors));
            tensors[i].ThrowIfSparse();
            if (tensors[i].Dim == 0) throw new ArgumentException($"zero-dimensional tensor (at position {i}) cannot be concatenated");
        }
        var first = tensors[0];
        var joined = new List<(Tensor Tensor, int Position)>(tensors.Count);
        for (int i = 0; i < tensors.Count; i++)
            if (!IsSkippedByCat(tensors[i])) joined.Add((tensors[i], i));
        if (joined.Count == 0) return Empty([0], first.DType);

        var reference = joined[0].Tensor;
        int d = ShapeUtil.NormalizeDim(dim, reference.Dim);
        var shape = (int[])reference.ShapeRef.Clone();
        shape[d] = 0;
        foreach (var (t, position) in joined)
        {
            if (t.Dim != reference.Dim)
                throw new ArgumentException($"Tensors must have same number of dimensions: got {reference.Dim} and {t.Dim}");
            for (int k = 0; k < t.Dim; k++)
                if (k != d && t.ShapeRef[k] != reference.ShapeRef[k])
                    throw new ArgumentException($"Sizes of tensors must match except in dimension {d}. Expected size {reference.ShapeRef[k]} but got size {t.ShapeRef[k]} for tensor number {position} in the list.");
            if (t.DType != reference.DType) throw new ArgumentException("torch.cat(): all tensors must have the same dtype here");
            shape[d] += t.ShapeRef[d];
        }

        var r = Empty(shape, reference.DType);
        int outer = 1, inner = 1;
        for (int k = 0; k < d; k++) outer *= shape[k];
        for (int k = d + 1; k < shape.Length; k++) inner *= shape[k];
        int at = 0;
        foreach (var (t, _) in joined)
        {
            CopyBlocks(t, r, outer, t.ShapeRef[d] * inner, shape[d] * inner, at * inner, toJoined: true);
            at += t.ShapeRef[d];
        }
        if (!GradMode.IsEnabled || !tensors.Any(t => t.RequiresGrad)) return r;

        var inputs = joined.Select(x => x.Tensor).ToArray();
        int total = shape[d];
        return Graph.Record(r, "CatBackward0", g =>
        {
            var grads = new Tensor?[inputs.Length];
            int start = 0;
            for (int i = 0; i < inputs.Length; i++)
            {
                var part = inputs[i].NewLike(dtype: g.DType);
                int size = inputs[i].ShapeRef[d];
                CopyBlocks(part, g, outer, size * inner, total * inner, start * inner, toJoined: false);
                grads[i] = part;
                start += size;
            }
            return grads;
        }, inputs);
    }

    /// <summary>PyTorch's cat ignores a legacy empty tensor: 1-D with no elements.</summary>
    private static bool IsSkippedByCat(Tensor t) => t.Dim == 1 && t.Numel == 0;

    /// <summary>
    /// For each of <paramref name="outer"/> blocks, moves <paramref name="partBlock"/> elements
    /// between <paramref name="part"/> (contiguous blocks) and <paramref name="joined"/> (blocks of
    /// <paramref name="joinedBlock"/>, this part starting <paramref name="offset"/> in).
    /// </summary>
    private static void CopyBlocks(Tensor part, Tensor joined, int outer, int partBlock, int joinedBlock, int offset, bool toJoined)
    {
        switch (joined.DType)
        {
            case DType.Float32: Blocks(part.Span<float>(), joined.Span<float>()); break;
            case DType.Float64: Blocks(part.Span<double>(), joined.Span<double>()); break;
            case DType.Int64: Blocks(part.Span<long>(), joined.Span<long>()); break;
            default: Blocks(part.Span<bool>(), joined.Span<bool>()); break;
        }

        void Blocks<T>(Span<T> p, Span<T> j) where T : unmanaged
        {
            for (int o = 0; o < outer; o++)
            {
                var pieceOfPart = p.Slice(o * partBlock, partBlock);
                var pieceOfJoined = j.Slice(o * joinedBlock + offset, partBlock);
                if (toJoined) pieceOfPart.CopyTo(pieceOfJoined);
                else pieceOfJoined.CopyTo(pieceOfPart);
            }
        }
    }

    /// <summary>
    /// Stacks equally shaped tensors along a new dim <paramref name="dim"/> (from 0 to their rank;
    /// negative counts from the end), as <c>torch.stack</c>.
    /// </summary>
    /// <exception cref="ArgumentException">No tensors, or tensors of different shapes.</exception>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("stack expects a non-empty TensorList");
        var first = tensors[0];
        for (int i = 1; i < tensors.Count; i++)
            if (!ShapeUtil.SameShape(tensors[i].ShapeRef, first.ShapeRef))
                throw new ArgumentException($"stack expects each tensor to be equal size, but got {ShapeUtil.Format(first.ShapeRef)} at entry 0 and {ShapeUtil.Format(tensors[i].ShapeRef)} at entry {i}");
        int d = ShapeUtil.NormalizeDim(dim, first.Dim + 1);
        return Cat(tensors.Select(t => t.Reshape([.. t.ShapeRef[..d], 1, .. t.ShapeRef[d..]])).ToList(), d);
    }
}
