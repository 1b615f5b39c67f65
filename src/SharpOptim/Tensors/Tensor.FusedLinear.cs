using SharpOptim.Autograd;

namespace SharpOptim;

// F.linear as one node, like PyTorch's addmm: the product and the bias written into one output,
// and one backward giving the input's, the weight's and the bias's gradients.
public partial class Tensor
{
    /// <summary>
    /// The fused path takes the common case: one floating dtype throughout and a bias of shape
    /// (out) or none. Anything else (mixed dtypes, a broadcast bias of another shape) takes the
    /// general product-then-add path, which promotes and broadcasts as PyTorch does.
    /// </summary>
    private static bool CanFuseLinear(Tensor input, Tensor weight, Tensor? bias)
        => !input.IsSparse && !weight.IsSparse && weight.Dim == 2
           && input.DType is DType.Float32 or DType.Float64 && weight.DType == input.DType
           && (bias is null || (!bias.IsSparse && bias.DType == input.DType && bias.Dim == 1 && bias._shape[0] == weight._shape[0]));

    /// <summary>
    /// <c>input · weightᵀ + bias</c>, rounded as the product then the broadcast add would round it
    /// (<see cref="MatmulKernels.NT{T}"/>, then one add per element). Recorded as
    /// <c>AddmmBackward0</c> (<c>MmBackward0</c> without bias), whose backward returns
    /// <c>g · weight</c>, <c>gᵀ · input</c> and the column sums of <c>g</c>.
    /// </summary>
    private static Tensor FusedLinear(Tensor input, Tensor weight, Tensor? bias)
    {
        int n = input._shape[0], k = input._shape[1], m = weight._shape[0];
        if (weight._shape[1] != k)
            throw new ArgumentException($"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {weight._shape[1]}x{m})");
        var r = input.NewUninitialized([n, m]);
        if (r.DType == DType.Float32) Forward(input.Span<float>(), weight.Span<float>(), bias is null ? default : bias.Span<float>(), r.Span<float>());
        else Forward(input.Span<double>(), weight.Span<double>(), bias is null ? default : bias.Span<double>(), r.Span<double>());
        if (!Graph.NeedsGrad(input, weight, bias)) return r;

        Tensor x = input.Detach(), w = weight.Detach();
        bool gx = input.RequiresGrad, gw = weight.RequiresGrad, gb = bias?.RequiresGrad ?? false;
        int[]? biasShape = bias?._shape;
        Graph.RecordSaving(r, bias is null ? "MmBackward0" : "AddmmBackward0", [gx ? w : null, gw ? x : null], g =>
        [
            gx ? Product(g, w, MatLayout.NN, "MmBackward0") : null,
            gw ? Product(g, x, MatLayout.TN, "MmBackward0") : null,
            gb ? g.SumToShape(biasShape!) : null,
        ], input, weight, bias);
        return Graph.MarkFreshGradients(r);

        void Forward<T>(ReadOnlySpan<T> xs, ReadOnlySpan<T> ws, ReadOnlySpan<T> bs, Span<T> rs) where T : unmanaged, System.Numerics.INumber<T>
        {
            MatmulKernels.NT(xs, ws, rs, n, k, m);
            if (bias is not null) RowKernels.AddRow(rs, bs, n, m);
        }
    }
}
