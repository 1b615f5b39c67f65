namespace SharpOptim.Optim;

/// <summary>
/// A hyper-parameter given as a number or as a one-element tensor (PyTorch's <c>float | Tensor</c>,
/// used for <c>lr</c>). Converts implicitly from both, so <c>lr: 0.01</c> and
/// <c>lr: Torch.Tensor(0.01)</c> read the same at the call site.
/// </summary>
public readonly partial struct FloatOrTensor
{
    private FloatOrTensor(double value, Tensor? tensor)
    {
        Number = value;
        Tensor = tensor;
    }

    /// <summary>The tensor, when one was given.</summary>
    public Tensor? Tensor { get; }

    private double Number { get; }

    /// <summary>The value (a tensor's element as a double).</summary>
    public double Value => Tensor is null ? Number : Tensor.Item();

    /// <summary>Whether a tensor was given (PyTorch's <c>isinstance(lr, Tensor)</c>), which selects the tensor-lr paths of the optimizers and schedulers.</summary>
    public bool IsTensor => Tensor is not null;

    /// <summary>What goes into the options dictionary: the tensor itself, or the number.</summary>
    internal object AsOption => Tensor is null ? Number : Tensor;

    /// <summary>A plain number, as a Python <c>float</c> hyper-parameter.</summary>
    public static implicit operator FloatOrTensor(double value) => new(value, null);

    /// <summary>A tensor hyper-parameter (PyTorch's tensor <c>lr</c>), kept by reference so in-place changes are seen; it should hold one element.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is null.</exception>
    public static implicit operator FloatOrTensor(Tensor tensor) => new(0, tensor ?? throw new ArgumentNullException(nameof(tensor)));

    /// <summary>The tensor's repr, or the number as PyTorch's messages print it: Python's float repr (<c>0.01</c>, <c>1e-05</c>) without the <c>.0</c> of an integral value.</summary>
    public override string ToString() => Tensor?.ToString() ?? PyRepr.Number(Number);
}
