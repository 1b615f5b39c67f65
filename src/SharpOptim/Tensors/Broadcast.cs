namespace SharpOptim;

/// <summary>
/// How the elements of an input map onto the elements of a broadcast output. The common shapes
/// (same shape, a scalar, a trailing-dims suffix such as a bias row) get index-free fast paths;
/// anything else gets an explicit index per output element.
/// </summary>
internal sealed class BroadcastMap
{
    public enum MapKind { Same, Scalar, Suffix, General }

    private BroadcastMap(MapKind kind, int period, int[]? index)
    {
        Kind = kind;
        Period = period;
        Index = index;
    }

    public MapKind Kind { get; }

    /// <summary>For <see cref="MapKind.Suffix"/>: the input repeats every <c>Period</c> output elements.</summary>
    public int Period { get; }

    /// <summary>For <see cref="MapKind.General"/>: the input element for each output element.</summary>
    public int[]? Index { get; }

    public int this[int outputIndex] => Kind switch
    {
        MapKind.Same => outputIndex,
        MapKind.Scalar => 0,
        MapKind.Suffix => outputIndex % Period,
        _ => Index![outputIndex],
    };

    public static BroadcastMap Create(int[] inputShape, int[] outputShape)
    {
        if (ShapeUtil.SameShape(inputShape, outputShape)) return new(MapKind.Same, 0, null);
        int inNumel = ShapeUtil.Numel(inputShape);
        if (inNumel == 1) return new(MapKind.Scalar, 1, null);
        if (IsSuffix(inputShape, outputShape)) return new(MapKind.Suffix, inNumel, null);

        int n = outputShape.Length;
        var inStrides = new int[n];
        var contiguous = ShapeUtil.Strides(inputShape);
        for (int d = 0; d < n; d++)
        {
            int id = d - (n - inputShape.Length);
            inStrides[d] = id < 0 || inputShape[id] == 1 ? 0 : contiguous[id];
        }
        int outNumel = ShapeUtil.Numel(outputShape);
        var index = new int[outNumel];
        var counter = new int[n];
        int current = 0;
        for (int i = 0; i < outNumel; i++)
        {
            index[i] = current;
            for (int d = n - 1; d >= 0; d--)
            {
                counter[d]++;
                current += inStrides[d];
                if (counter[d] < outputShape[d]) break;
                current -= inStrides[d] * counter[d];
                counter[d] = 0;
            }
        }
        return new(MapKind.General, 0, index);
    }

    private static bool IsSuffix(int[] inputShape, int[] outputShape)
    {
        // Leading 1s of the input do not matter; the rest must equal the output's trailing dims.
        int start = 0;
        while (start < inputShape.Length && inputShape[start] == 1) start++;
        int len = inputShape.Length - start;
        if (len > outputShape.Length) return false;
        for (int i = 0; i < len; i++)
            if (inputShape[start + i] != outputShape[outputShape.Length - len + i]) return false;
        return true;
    }
}
