using SharpOptim.Autograd;

namespace SharpOptim;

// Log-softmax over the last dimension (the classes of a batch of logits) with typed loops.
public partial class Tensor
{
    /// <summary>
    /// <see cref="LogSoftmax"/> when <c>dim</c> is the last dimension, written into
    /// <paramref name="r"/>: the same values and the same gradient as the general loops, with one
    /// backward kernel in place of its sum, exp, mul and sub.
    /// </summary>
    private Tensor LogSoftmaxLastDim(Tensor r, int rows, int size)
    {
        if (DType == DType.Float32) ActivationKernels.LogSoftmaxRows(Span<float>(), r.Span<float>(), rows, size);
        else ActivationKernels.LogSoftmaxRows(Span<double>(), r.Span<double>(), rows, size);
        if (!Graph.NeedsGrad(this)) return r;
        var y = r.Detach();
        Graph.RecordSaving(r, "LogSoftmaxBackward0", [y], g =>
        {
            if (g.DType != y.DType || !ShapeUtil.SameShape(g._shape, y._shape))
                return [g.Sub(y.Exp().Mul(g.Sum(-1, keepdim: true)))];
            var dx = g.NewUninitialized(g._shape);
            if (DType == DType.Float32) ActivationKernels.LogSoftmaxBackwardRows(y.Span<float>(), g.Span<float>(), dx.Span<float>(), rows, size);
            else ActivationKernels.LogSoftmaxBackwardRows(y.Span<double>(), g.Span<double>(), dx.Span<double>(), rows, size);
            return [dx];
        }, this);
        return Graph.MarkFreshGradients(r);
    }
}
