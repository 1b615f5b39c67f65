namespace SharpOptim;

public partial class Tensor
{
    /// <summary>
    /// A new tensor of this dtype whose elements are left as allocated (not cleared): only for
    /// results that a kernel then writes in full, where clearing them first would be wasted work.
    /// </summary>
    internal Tensor NewUninitialized(int[] shape) => new(Storage.AllocateUninitialized(DType, ShapeUtil.Numel(shape)), (int[])shape.Clone());
}
