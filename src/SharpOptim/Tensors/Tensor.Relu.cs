namespace SharpOptim;

// ReLU and its backward, each in one vectorised pass.
public partial class Tensor
{
    /// <summary><c>max(x, 0)</c> as a new tensor, NaN and -0 kept (PyTorch's relu).</summary>
    private static Tensor ReluOut(Tensor x)
    {
        if (x.IsSparse || !x.IsFloatingPoint) return UnaryOut<ReluOp>(x);
        var r = x.NewUninitialized(x._shape);
        if (x.DType == DType.Float32) ActivationKernels.Relu(x.Span<float>(), r.Span<float>());
        else ActivationKernels.Relu(x.Span<double>(), r.Span<double>());
        return r;
    }

    /// <summary>
    /// <c>where(y &gt; 0, g, 0)</c> for ReLU's output <paramref name="y"/>, as a new tensor: one
    /// kernel when both share shape and dtype, the general ops otherwise.
    /// </summary>
    private static Tensor ReluBackward(Tensor y, Tensor g)
    {
        if (g.IsSparse || g.DType != y.DType || !ShapeUtil.SameShape(g._shape, y._shape))
            return Torch.Where(y.Gt(0), g, Torch.ZerosLike(g));
        var dx = g.NewUninitialized(g._shape);
        if (y.DType == DType.Float32) ActivationKernels.ReluBackward(y.Span<float>(), g.Span<float>(), dx.Span<float>());
        else ActivationKernels.ReluBackward(y.Span<double>(), g.Span<double>(), dx.Span<double>());
        return dx;
    }
}
