using System.Numerics;
using SharpOptim.Autograd;

namespace SharpOptim;

// The negative log-likelihood of class indices, reduced, as one node (PyTorch's nll_loss).
public partial class Tensor
{
    /// <summary>
    /// <c>-Σ_i this[i, targets[i]]</c> over the rows of this (N, C) tensor of log-probabilities,
    /// divided by N when <paramref name="mean"/>; every target must be a valid class. The value
    /// and the gradient round as the unfused gather, neg, sum and div do (the sum in PyTorch's
    /// order, <see cref="CascadeSum"/>, then one division in the element type); recorded as <c>NllLossBackward0</c>.
    /// </summary>
    internal Tensor NllLoss(long[] targets, bool mean)
    {
        int n = _shape[0], classes = _shape[1];
        var r = DType == DType.Float32 ? Forward<float>() : Forward<double>();
        if (!Graph.NeedsGrad(this)) return r;
        Graph.Record(r, "NllLossBackward0", g => [DType == DType.Float32 ? Backward<float>(g) : Backward<double>(g)], this);
        return Graph.MarkSavesValues(Graph.MarkFreshGradients(r));

        Tensor Forward<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var logp = Span<T>();
            var picked = new T[n];
            for (int i = 0; i < n; i++) picked[i] = -logp[i * classes + (int)targets[i]];
            T value = CascadeSum.Sum<T>(picked);
            if (mean) value /= T.CreateTruncating(n);
            return Torch.Scalar(double.CreateTruncating(value), DType);
        }

        Tensor Backward<T>(Tensor g) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T perRow = T.CreateTruncating(g.GetAsDouble(0));
            if (mean) perRow /= T.CreateTruncating(n);
            // Scattered into zeros as the gather's backward adds it (0.0 + x in double: -0 becomes +0).
            T pick = T.CreateTruncating(0.0 + double.CreateTruncating(-perRow));
            var dx = NewLike();
            var d = dx.Span<T>();
            for (int i = 0; i < n; i++) d[i * classes + (int)targets[i]] = pick;
            return dx;
        }
    }
}
