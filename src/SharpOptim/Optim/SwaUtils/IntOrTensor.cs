namespace SharpOptim.Optim.SwaUtils;

/// <summary>
/// The number of models averaged so far, as PyTorch's averaging functions take it: an integer
/// or a tensor (<c>Tensor | int</c>). <see cref="AveragedModel"/> always passes its
/// <c>n_averaged</c> buffer, a 0-d int64 tensor; a caller of the functions may pass a plain
/// count. The two can give different results, as in PyTorch: see
/// <see cref="Swa.GetSwaMultiAvgFn"/>.
/// </summary>
/// <remarks>
/// The public parameter type of <see cref="AvgFn"/> and <see cref="MultiAvgFn"/>, which users
/// write; apart from <see cref="FloatOrTensor"/> (the <c>float | Tensor</c> of hyper-parameters)
/// because a count is an integer and stays one. It carries no arithmetic of its own: the averaging
/// functions compute with its tensor or its count as PyTorch's do.
/// </remarks>
public readonly struct IntOrTensor
{
    private readonly long _count;

    private IntOrTensor(long count, Tensor? tensor)
    {
        _count = count;
        Tensor = tensor;
    }

    /// <summary>The tensor, when one was given.</summary>
    public Tensor? Tensor { get; }

    /// <summary>Whether a tensor was given (as <see cref="AveragedModel"/> passes its <c>n_averaged</c> buffer) rather than a plain count.</summary>
    public bool IsTensor => Tensor is not null;

    /// <summary>The count as a number (a tensor's single element, truncated to an integer).</summary>
    public long Value => Tensor is null ? _count : (long)Tensor.Item();

    /// <summary>A plain count, as a Python <c>int</c>.</summary>
    public static implicit operator IntOrTensor(long count) => new(count, null);

    /// <summary>A count held in a tensor (kept by reference), as PyTorch passes <c>n_averaged</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is null.</exception>
    public static implicit operator IntOrTensor(Tensor tensor) => new(0, tensor ?? throw new ArgumentNullException(nameof(tensor)));

    /// <summary>The tensor's repr, or the count.</summary>
    public override string ToString() => Tensor?.ToString() ?? _count.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
