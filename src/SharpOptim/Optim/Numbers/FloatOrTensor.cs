namespace SharpOptim.Optim;

/// <summary>
/// A hyper-parameter given as a number or as a one-element tensor (PyTorch's <c>float | Tensor</c>,
/// used for <c>lr</c>). Converts implicitly from both, so <c>lr: 0.01</c> and
/// <c>lr: Torch.Tensor(0.01)</c> read the same at the call site, and converts implicitly to
/// <see cref="double"/> as Python's <c>float(lr)</c> does, so a scheduler's
/// <c>GetLastLr()[0]</c> is used as a number (<c>double lr = scheduler.GetLastLr()[0]</c>).
/// </summary>
public readonly partial struct FloatOrTensor : IFormattable
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

    /// <summary>
    /// The value as a number, as Python's <c>float(lr)</c>: the number, or the tensor's one
    /// element (an lr tensor has one, which the optimizers check).
    /// </summary>
    /// <exception cref="InvalidOperationException">A tensor of several elements, with PyTorch's message.</exception>
    public static implicit operator double(FloatOrTensor value) => value.Value;

    /// <summary>The tensor's repr, or the number as PyTorch's messages print it: Python's float repr (<c>0.01</c>, <c>1e-05</c>) without the <c>.0</c> of an integral value.</summary>
    public override string ToString() => Tensor?.ToString() ?? PyRepr.Number(Number);

    /// <summary>With a format (<c>$"{lr:F4}"</c>), <see cref="Value"/> formatted as a double; without one, <see cref="ToString()"/>.</summary>
    public string ToString(string? format, IFormatProvider? formatProvider)
        => format is null ? ToString() : Value.ToString(format, formatProvider);
}
