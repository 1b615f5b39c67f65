namespace SharpOptim.Optim.SwaUtils;

/// <summary>
/// The functions of <c>torch.optim.swa_utils</c>: the averaging-function factories and
/// <see cref="UpdateBn"/>. With <c>using static SharpOptim.Optim.SwaUtils.Swa;</c> they read as in
/// Python: <c>new AveragedModel(model, multiAvgFn: GetEmaMultiAvgFn(0.999))</c>.
/// </summary>
/// <remarks>
/// Integer tensors (BatchNorm's <c>num_batches_tracked</c>, averaged with <c>useBuffers</c>) are
/// averaged as PyTorch averages them: the arithmetic promotes them to the default float dtype
/// and the averaged model truncates the result when it copies it back.
/// </remarks>
public static partial class Swa
{
    /// <summary>
    /// Exponential moving average over lists, in place: <c>ema = lerp(ema, current, 1 - decay)</c>
    /// (PyTorch's <c>get_ema_multi_avg_fn</c>). Integer tensors get <c>ema * decay + current * (1 - decay)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="decay"/> is outside [0, 1].</exception>
    public static MultiAvgFn GetEmaMultiAvgFn(double decay = 0.999)
    {
        CheckDecay(decay);
        return (ema, current, _) =>
        {
            using var noGrad = Torch.NoGrad();
            if (ema.Count > 0 && !ema[0].IsFloatingPoint)
            {
                CheckSameCount(ema, current);
                for (int i = 0; i < ema.Count; i++) ema[i].Copy_(EmaValue(ema[i], current[i], decay));
            }
            else Torch.ForEach.Lerp_(ema, current, 1 - decay);
        };
    }

    /// <summary>
    /// Equal-weight running average over lists, in place: <c>average = lerp(average, current, 1 / (n + 1))</c>
    /// (PyTorch's <c>get_swa_multi_avg_fn</c>). As in PyTorch, a tensor count gives the weight
    /// <c>1 / (n + 1)</c> computed as a tensor in the default dtype (float32: so even float64
    /// parameters see the float32-rounded weight), a plain count gives it in double precision.
    /// Integer tensors are refused with PyTorch's errors, before anything changes.
    /// </summary>
    public static MultiAvgFn GetSwaMultiAvgFn() => (averaged, current, numAveraged) =>
    {
        using var noGrad = Torch.NoGrad();
        if (averaged.Count > 0 && !averaged[0].IsFloatingPoint)
        {
            CheckSameCount(averaged, current);
            throw new InvalidOperationException(numAveraged.IsTensor ? IntegerAddcdivMessage : IntegerAlphaMessage);
        }
        Torch.ForEach.Lerp_(averaged, current, SwaWeight(numAveraged));
    };

    /// <summary>Exponential moving average of one tensor: <c>decay * ema + (1 - decay) * current</c> (PyTorch's <c>get_ema_avg_fn</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="decay"/> is outside [0, 1].</exception>
    public static AvgFn GetEmaAvgFn(double decay = 0.999)
    {
        CheckDecay(decay);
        return (ema, current, _) =>
        {
            using var noGrad = Torch.NoGrad();
            return EmaValue(ema, current, decay);
        };
    }

    /// <summary>Equal-weight running average of one tensor: <c>average + (current - average) / (n + 1)</c> (PyTorch's <c>get_swa_avg_fn</c>).</summary>
    public static AvgFn GetSwaAvgFn() => (averaged, current, numAveraged) =>
    {
        using var noGrad = Torch.NoGrad();
        return SwaValue(averaged, current, numAveraged);
    };

    // PyTorch's messages for the integer branch of get_swa_multi_avg_fn: a tensor count reaches
    // _foreach_addcdiv_, a plain count _foreach_add_ with a float alpha; both refuse integers.
    private const string IntegerAddcdivMessage =
        "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a true division of tensor1 and tensor2. " +
        "The historic addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs " +
        "and as (input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: " +
        "(input + value * tensor1 / tensor2), for all dtypes.";

    private const string IntegerAlphaMessage = "For integral input tensors, argument alpha must not be a floating point number.";

    private static void CheckDecay(double decay)
    {
        // Written as PyTorch's test so that NaN passes, as it does there.
        if (decay < 0.0 || decay > 1.0)
            throw new ArgumentOutOfRangeException(nameof(decay), decay, $"Invalid decay value {PyRepr.Float(decay)} provided. Please provide a value in [0,1] range.");
    }

    private static void CheckSameCount(IReadOnlyList<Tensor> averaged, IReadOnlyList<Tensor> current)
    {
        if (averaged.Count != current.Count)
            throw new ArgumentException($"zip() argument 2 is {(current.Count < averaged.Count ? "shorter" : "longer")} than argument 1");
    }

    /// <summary>PyTorch's <c>1 / (num_averaged + 1)</c>: a tensor count is divided as a tensor (integers in the default dtype).</summary>
    private static double SwaWeight(IntOrTensor numAveraged)
    {
        if (numAveraged.Tensor is not { } n) return 1.0 / (numAveraged.Value + 1);
        var plusOne = n.IsFloatingPoint ? n.Add(1) : Torch.Scalar(n.Item() + 1, Torch.DefaultDType);
        return plusOne.Reciprocal().Item();
    }

    /// <summary><c>decay * ema + (1 - decay) * current</c>, integers promoted to the default float dtype.</summary>
    internal static Tensor EmaValue(Tensor ema, Tensor current, double decay)
        => AsFloating(ema, Torch.DefaultDType).Mul(decay).Add(AsFloating(current, Torch.DefaultDType).Mul(1 - decay));

    /// <summary>
    /// <c>averaged + (current - averaged) / (n + 1)</c> with PyTorch's types: an integer difference
    /// is exact, the division is true division (integers in the default float dtype, or a float
    /// count's dtype), and the sum takes the quotient's float dtype.
    /// </summary>
    internal static Tensor SwaValue(Tensor averaged, Tensor current, IntOrTensor numAveraged)
    {
        var diff = averaged.IsFloatingPoint || current.IsFloatingPoint ? current.Sub(averaged) : IntegerDifference(current, averaged);
        Tensor quotient = numAveraged.Tensor is { IsFloatingPoint: true } n
            ? AsFloating(diff, n.DType).Div(n.Add(1))
            : AsFloating(diff, Torch.DefaultDType).Div(numAveraged.Value + 1.0);
        return AsFloating(averaged, quotient.DType).Add(quotient);
    }

    private static Tensor AsFloating(Tensor t, DType floatType) => t.IsFloatingPoint ? t : t.To(floatType);

    private static Tensor IntegerDifference(Tensor a, Tensor b)
    {
        if (a.DType != DType.Int64 || b.DType != DType.Int64 || !a.Shape.AsSpan().SequenceEqual(b.Shape))
            throw new NotSupportedException($"averaging integer tensors needs two int64 tensors of one shape, got {a.DType.TorchName()} {PyRepr.Size(a.Shape)} and {b.DType.TorchName()} {PyRepr.Size(b.Shape)}");
        var result = Torch.ZerosLike(a);
        Span<long> x = a.AsSpan<long>(), y = b.AsSpan<long>(), r = result.AsSpan<long>();
        for (int i = 0; i < r.Length; i++) r[i] = x[i] - y[i];
        return result;
    }
}
