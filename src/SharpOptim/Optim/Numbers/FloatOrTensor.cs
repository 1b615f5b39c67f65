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

    public bool IsTensor => Tensor is not null;

    /// <summary>What goes into the options dictionary: the tensor itself, or the number.</summary>
    internal object AsOption => Tensor is null ? Number : Tensor;

    public static implicit operator FloatOrTensor(double value) => new(value, null);

    public static implicit operator FloatOrTensor(Tensor tensor) => new(0, tensor ?? throw new ArgumentNullException(nameof(tensor)));

    public override string ToString() => Tensor?.ToString() ?? PyRepr.Number(Number);
}
