using SharpOptim.Autograd;

namespace SharpOptim;

// pow with a tensor exponent: tensor ** tensor and number ** tensor (torch.pow(Scalar, Tensor)),
// which the optimizers' differentiable paths use for bias corrections (beta ** step).
public partial class Tensor
{
    /// <summary><c>this ** exponent</c> element-wise, broadcasting; differentiable in both.</summary>
    public Tensor Pow(Tensor exponent)
    {
        var r = BinaryOut<PowOp>(this, exponent);
        if (!Graph.NeedsGrad(this, exponent)) return r;
        Tensor b = Detach(), e = exponent.Detach(), y = r.Detach();
        bool baseGrad = RequiresGrad, exponentGrad = exponent.RequiresGrad;
        int[] sb = _shape, se = exponent._shape;
        return Graph.RecordSaving(r, "PowBackward1", [b, e, y], g => [
            baseGrad ? PowBaseGrad(g, b, e).SumToShape(sb) : null,
            exponentGrad ? PowExponentGrad(g, b, e, y).SumToShape(se) : null], this, exponent);
    }

    /// <summary>d(b^e)/db = e·b^(e-1), zero where e == 0 (as PyTorch, so 0^0 has no NaN gradient).</summary>
    private static Tensor PowBaseGrad(Tensor g, Tensor b, Tensor e)
    {
        var d = g.Mul(e.Mul(b.Pow(e.Sub(1))));
        return Torch.Where(e.Eq(0), Torch.ZerosLike(d), d);
    }

    /// <summary>d(b^e)/de = b^e·ln b, zero where b == 0 and e ≥ 0 (as PyTorch).</summary>
    private static Tensor PowExponentGrad(Tensor g, Tensor b, Tensor e, Tensor y)
    {
        var d = g.Mul(y.Mul(b.Log()));
        var atZero = b.Eq(0).To(d.DType).Mul(e.Ge(0).To(d.DType)).Gt(0);
        return Torch.Where(atZero, Torch.ZerosLike(d), d);
    }
}

public static partial class Torch
{
    /// <summary>
    /// <c>self ** exponent</c> for a number base (PyTorch's <c>torch.pow(Scalar, Tensor)</c>): the
    /// base becomes a 0-d tensor of the exponent's dtype, so the result has the exponent's dtype.
    /// </summary>
    public static Tensor Pow(double self, Tensor exponent)
    {
        ArgumentNullException.ThrowIfNull(exponent);
        return Scalar(self, exponent.DType).Pow(exponent);
    }
}
