namespace SharpOptim.NN;

/// <summary>
/// Parameter initialisers, as <c>torch.nn.init</c>. Each fills a tensor in place without
/// recording autograd and returns it. They draw from <see cref="Torch.DefaultGenerator"/> unless
/// given a generator (the stream is SharpOptim's, not PyTorch's).
/// </summary>
public static class Init
{
    /// <summary>Fills with samples of U(<paramref name="a"/>, <paramref name="b"/>), computed as <c>a + (b - a) * u</c>.</summary>
    public static Tensor Uniform_(Tensor tensor, double a = 0, double b = 1, Generator? generator = null)
    {
        var g = generator ?? Torch.DefaultGenerator;
        using (Torch.NoGrad())
            lock (g)
                for (int i = 0; i < tensor.Numel; i++) tensor.SetFromDouble(i, a + (b - a) * g.NextDouble());
        return tensor;
    }

    /// <summary>Fills with samples of N(<paramref name="mean"/>, <paramref name="std"/>²).</summary>
    public static Tensor Normal_(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        var g = generator ?? Torch.DefaultGenerator;
        using (Torch.NoGrad())
            lock (g)
                for (int i = 0; i < tensor.Numel; i++) tensor.SetFromDouble(i, mean + std * g.NextNormal());
        return tensor;
    }

    /// <summary>Fills <paramref name="tensor"/> with <paramref name="value"/> in place, without recording autograd, as <c>torch.nn.init.constant_</c>.</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor Constant_(Tensor tensor, double value)
    {
        using (Torch.NoGrad()) tensor.Fill_(value);
        return tensor;
    }

    /// <summary>Fills <paramref name="tensor"/> with ones in place, without recording autograd, as <c>torch.nn.init.ones_</c>.</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor Ones_(Tensor tensor) => Constant_(tensor, 1);

    /// <summary>Fills <paramref name="tensor"/> with zeros in place, without recording autograd, as <c>torch.nn.init.zeros_</c>.</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor Zeros_(Tensor tensor) => Constant_(tensor, 0);

    /// <summary>(fan_in, fan_out) of a weight: dim 1 and dim 0 sizes times the receptive field (dims 2..).</summary>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        if (tensor.Dim < 2)
            throw new ArgumentException("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
        int receptive = 1;
        for (int d = 2; d < tensor.Dim; d++) receptive *= tensor.Size(d);
        return (tensor.Size(1) * receptive, tensor.Size(0) * receptive);
    }

    /// <summary>The recommended gain for a nonlinearity (PyTorch's <c>calculate_gain</c>).</summary>
    public static double CalculateGain(string nonlinearity, double? param = null)
    {
        switch (nonlinearity)
        {
            case "linear" or "conv1d" or "conv2d" or "conv3d" or "conv_transpose1d" or "conv_transpose2d" or "conv_transpose3d" or "sigmoid":
                return 1;
            case "tanh": return 5.0 / 3;
            case "relu": return Math.Sqrt(2.0);
            case "leaky_relu":
                double slope = param ?? 0.01;
                return Math.Sqrt(2.0 / (1 + slope * slope));
            case "selu": return 3.0 / 4;
            default: throw new ArgumentException($"Unsupported nonlinearity {nonlinearity}");
        }
    }

    private static int Fan(Tensor tensor, string mode)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return mode switch
        {
            "fan_in" => fanIn,
            "fan_out" => fanOut,
            _ => throw new ArgumentException($"Mode {mode} not supported, please use one of fan_in, fan_out"),
        };
    }

    /// <summary>
    /// He uniform: U(-bound, bound) with bound = gain·√(3 / fan). <c>a = √5</c> (what
    /// <see cref="Linear"/> uses) gives bound = 1/√fan_in.
    /// </summary>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        if (tensor.Numel == 0) return tensor; // PyTorch warns "Initializing zero-element tensors is a no-op"
        double std = CalculateGain(nonlinearity, a) / Math.Sqrt(Fan(tensor, mode));
        double bound = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -bound, bound, generator);
    }

    /// <summary>He normal: N(0, std²) with std = gain / √fan.</summary>
    public static Tensor KaimingNormal_(Tensor tensor, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        if (tensor.Numel == 0) return tensor;
        double std = CalculateGain(nonlinearity, a) / Math.Sqrt(Fan(tensor, mode));
        return Normal_(tensor, 0, std, generator);
    }

    /// <summary>Glorot uniform: U(-a, a) with a = gain·√(6 / (fan_in + fan_out)).</summary>
    public static Tensor XavierUniform_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        double a = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -a, a, generator);
    }

    /// <summary>Glorot normal: N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).</summary>
    public static Tensor XavierNormal_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        return Normal_(tensor, 0, std, generator);
    }
}
