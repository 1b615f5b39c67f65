using System.Globalization;
using System.Text;

namespace SharpOptim;

// PyTorch-like printing, e.g. tensor([[1.0000, 2.0000]], dtype=torch.float64, requires_grad=True).
public partial class Tensor
{
    /// <summary>
    /// PyTorch's <c>repr</c>, e.g. <c>tensor([[1.0000, 2.0000]], dtype=torch.float64, requires_grad=True)</c>:
    /// the elements (elided past 1000), the dtype unless float32, int64 or bool, and <c>grad_fn</c> or
    /// <c>requires_grad</c>. A sparse tensor prints its indices, values, size and nnz.
    /// </summary>
    public override string ToString()
    {
        if (IsSparse)
            return $"tensor(indices={_sparseIndices}, values={_sparseValues}, size={ShapeUtil.Format(_shape)}, nnz={Nnz}, layout=torch.sparse_coo)";
        var sb = new StringBuilder("tensor(");
        if (Numel > 1000) sb.Append(CultureInfo.InvariantCulture, $"<{ShapeUtil.Format(_shape)} elements elided>");
        else AppendLevel(sb, 0, 0);
        if (DType != DType.Float32 && DType != DType.Int64 && DType != DType.Bool) sb.Append(CultureInfo.InvariantCulture, $", dtype=torch.{DType.TorchName()}");
        if (GradFn is not null) sb.Append(CultureInfo.InvariantCulture, $", grad_fn={GradFn}");
        else if (RequiresGrad) sb.Append(", requires_grad=True");
        sb.Append(')');
        return sb.ToString();
    }

    private void AppendLevel(StringBuilder sb, int dim, int offset)
    {
        if (dim == Dim)
        {
            sb.Append(FormatElement(offset));
            return;
        }
        sb.Append('[');
        int stride = 1;
        for (int d = dim + 1; d < Dim; d++) stride *= _shape[d];
        for (int i = 0; i < _shape[dim]; i++)
        {
            if (i > 0) sb.Append(dim == Dim - 1 ? ", " : ",\n" + new string(' ', dim + 8));
            AppendLevel(sb, dim + 1, offset + i * stride);
        }
        sb.Append(']');
    }

    private string FormatElement(int i) => DType switch
    {
        DType.Bool => Span<bool>()[i] ? "True" : "False",
        DType.Int64 => Span<long>()[i].ToString(CultureInfo.InvariantCulture),
        _ => GetAsDouble(i).ToString("0.0000", CultureInfo.InvariantCulture),
    };
}
