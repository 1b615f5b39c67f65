using SharpOptim.Autograd;

namespace SharpOptim.NN;

/// <summary>
/// The stateless functions behind the modules, as <c>torch.nn.functional</c>: each module's
/// Forward is one call here, so the functions and the modules cannot drift apart.
/// </summary>
public static class Functional
{
    // ---------------------------------------------------------------- layers

    /// <summary>
    /// <c>input · weightᵀ + bias</c>. <paramref name="input"/> is (in), (N, in) or (…, in);
    /// <paramref name="weight"/> is (out, in); <paramref name="bias"/> is (out) or null.
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        if (weight.Dim != 2) throw new ArgumentException($"linear expects a 2-D weight (out_features, in_features), got shape {ShapeUtil.Format(weight.ShapeRef)}");
        if (input.Dim == 0) throw new ArgumentException("both arguments to linear need to be at least 1D, but they are 0D and 2D");
        if (input.Dim == 2) return Tensor.Linear(input, weight, bias);
        // One matrix product over all leading dims (a view, as every tensor here is contiguous).
        int inFeatures = input.Size(-1);
        var lead = input.ShapeRef[..^1];
        var flat = input.Reshape(-1, inFeatures);
        return Tensor.Linear(flat, weight, bias).Reshape([.. lead, weight.Size(0)]);
    }

    /// <summary><c>max(x, 0)</c> element-wise, as <c>torch.nn.functional.relu</c>; see <see cref="Tensor.Relu"/>.</summary>
    public static Tensor Relu(Tensor input) => input.Relu();

    /// <summary>
    /// <paramref name="input"/> with dims <paramref name="startDim"/>..<paramref name="endDim"/>
    /// merged (a view), as <c>torch.flatten(x, start_dim, end_dim)</c>: <c>Flatten(x, 1)</c> keeps
    /// the batch dim; see <see cref="Tensor.Flatten"/>.
    /// </summary>
    public static Tensor Flatten(Tensor input, int startDim = 0, int endDim = -1)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Flatten(startDim, endDim);
    }

    /// <summary>
    /// In training, zeroes each element with probability <paramref name="p"/> and scales the
    /// rest by 1/(1-p) so the expected value is unchanged; otherwise returns the input itself.
    /// </summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        CheckDropoutProbability(p);
        if (p == 0 || !training || input.Numel == 0) return input;
        if (p == 1) return input.Mul(Torch.Zeros([], input.DType)); // keeps the graph, as PyTorch
        // The mask is Bernoulli(1 - p) scaled by 1/(1-p), then one multiply (PyTorch's _dropout_impl).
        var g = generator ?? Torch.DefaultGenerator;
        var noise = Torch.Empty(input.ShapeRef, input.DType);
        double keep = 1 - p;
        lock (g)
            for (int i = 0; i < noise.Numel; i++) noise.SetFromDouble(i, g.NextDouble() < keep ? 1 : 0);
        noise.Div_(keep);
        return input.Mul(noise);
    }

    internal static void CheckDropoutProbability(double p)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, $"dropout probability has to be between 0 and 1, but got {PyRepr.Float(p)}");
    }

    /// <summary>
    /// Rows of <paramref name="weight"/> for each int64 index in <paramref name="input"/> (any
    /// shape); the result has shape input.shape + (embedding_dim). With <paramref name="sparse"/>
    /// the gradient for the weight is a sparse COO tensor holding only the looked-up rows.
    /// </summary>
    public static Tensor Embedding(Tensor input, Tensor weight, bool sparse = false)
    {
        if (input.DType != DType.Int64)
            throw new ArgumentException($"Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.{LegacyTypeName(input.DType)} instead (while checking arguments for embedding)");
        if (weight.Dim != 2) throw new ArgumentException("'weight' must be 2-D");
        var rows = weight.IndexSelect(0, input.Reshape(-1), sparseGrad: sparse);
        return rows.Reshape([.. input.ShapeRef, weight.Size(1)]);
    }

    private static string LegacyTypeName(DType dtype) => dtype switch
    {
        DType.Float32 => "FloatTensor",
        DType.Float64 => "DoubleTensor",
        DType.Int64 => "LongTensor",
        _ => "BoolTensor",
    };

    /// <summary>
    /// Batch normalisation of (N, C) input, as <c>F.batch_norm</c>. In training the batch's
    /// mean and biased variance normalise the input, and running statistics (when given) become
    /// <c>(1 - momentum)·running + momentum·batch</c>, with the unbiased variance for
    /// <paramref name="runningVar"/>. Otherwise the running statistics normalise.
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
                                   bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        if (input.Dim != 2)
            throw new NotSupportedException($"batch_norm supports (N, C) input only, got shape {ShapeUtil.Format(input.ShapeRef)}");
        int n = input.Size(0), c = input.Size(1);
        CheckFeatures("running_mean", c, runningMean);
        CheckFeatures("running_var", c, runningVar);
        CheckFeatures("weight", c, weight);
        CheckFeatures("bias", c, bias);
        if (training && n == 1)
            throw new ArgumentException($"Expected more than 1 value per channel when training, got input size {PyRepr.Size(input.ShapeRef)}");
        if (!training && (runningMean is null || runningVar is null))
            throw new ArgumentException("running_mean and running_var must be defined in evaluation mode");

        Tensor y;
        if (training)
        {
            var mean = input.Mean(0, keepdim: true);
            var centered = input.Sub(mean);
            var variance = centered.Square().Mean(0, keepdim: true); // biased: normalises the batch
            y = centered.Mul(variance.Add(eps).Rsqrt());
            if (runningMean is not null || runningVar is not null)
                UpdateRunningStats(input, runningMean, runningVar, momentum);
        }
        else
        {
            y = input.Sub(runningMean!).Mul(runningVar!.Add(eps).Rsqrt());
        }
        if (weight is not null) y = y.Mul(weight);
        if (bias is not null) y = y.Add(bias);
        return y;
    }

    private static void CheckFeatures(string name, int c, Tensor? t)
    {
        if (t is not null && t.Numel != c) throw new ArgumentException($"{name} should contain {c} elements not {t.Numel}");
    }

    /// <summary>
    /// running = momentum·batch + (1 - momentum)·running, per feature, with the batch mean and
    /// unbiased variance accumulated in double (as PyTorch's CPU kernel does for float32 too).
    /// </summary>
    private static void UpdateRunningStats(Tensor input, Tensor? runningMean, Tensor? runningVar, double momentum)
    {
        int n = input.Size(0), c = input.Size(1);
        var x = input.ToDoubleArray();
        using var _ = Torch.NoGrad();
        for (int f = 0; f < c; f++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += x[i * c + f];
            double mean = sum / n;
            double varSum = 0;
            for (int i = 0; i < n; i++) varSum += (x[i * c + f] - mean) * (x[i * c + f] - mean);
            if (runningMean is not null)
                runningMean.SetFromDouble(f, momentum * mean + (1 - momentum) * runningMean.GetAsDouble(f));
            if (runningVar is not null)
                runningVar.SetFromDouble(f, momentum * (varSum / (n - 1)) + (1 - momentum) * runningVar.GetAsDouble(f));
        }
    }

    // ---------------------------------------------------------------- losses

    internal static void CheckReduction(string reduction)
    {
        if (reduction is not ("mean" or "sum" or "none"))
            throw new ArgumentException($"{reduction} is not a valid value for reduction");
    }

    private static Tensor Reduce(Tensor loss, string reduction) => reduction switch
    {
        "mean" => loss.Mean(),
        "sum" => loss.Sum(),
        _ => loss,
    };

    /// <summary>Mean squared error <c>(input - target)²</c>, reduced by "mean" (default), "sum" or "none".</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, string reduction = "mean")
    {
        CheckReduction(reduction);
        return Reduce(input.Sub(target).Square(), reduction);
    }

    /// <summary>
    /// Cross entropy of logits <paramref name="input"/> (N, C) or (C) against int64 class
    /// indices <paramref name="target"/> (N) or (), computed as <c>-log_softmax(input)[target]</c>.
    /// Targets equal to <paramref name="ignoreIndex"/> count for nothing, and "mean" divides by the
    /// number of the others. A floating <paramref name="target"/> of the input's shape is read as
    /// class probabilities instead.
    /// </summary>
    public static Tensor CrossEntropy(Tensor input, Tensor target, string reduction = "mean", long ignoreIndex = -100)
    {
        CheckReduction(reduction);
        if (input.Dim is < 1 or > 2)
            throw new NotSupportedException($"cross_entropy supports (N, C) or (C) input only, got shape {ShapeUtil.Format(input.ShapeRef)}");
        int classDim = input.Dim == 1 ? 0 : 1;
        if (target.IsFloatingPoint)
        {
            if (!ShapeUtil.SameShape(input.ShapeRef, target.ShapeRef))
                throw new ArgumentException($"Expected target size {PyRepr.Size(input.ShapeRef)}, got {PyRepr.Size(target.ShapeRef)}");
            return Reduce(input.LogSoftmax(classDim).Mul(target).Sum(classDim).Neg(), reduction);
        }
        if (target.DType != DType.Int64)
            throw new ArgumentException($"expected scalar type Long but found {target.DType.TorchName()}");
        return NllLoss(input.LogSoftmax(classDim), target, reduction, ignoreIndex);
    }

    /// <summary>
    /// The negative log-likelihood loss, as <c>torch.nn.functional.nll_loss</c>: <c>-input[i, target[i]]</c>
    /// for log-probabilities <paramref name="input"/> (N, C) against int64 class indices
    /// <paramref name="target"/> (N), or (C) against a 0-d (or one-element) target. Targets equal
    /// to <paramref name="ignoreIndex"/> count for nothing, and "mean" divides by the number of the
    /// others (NaN when there are none, as PyTorch). PyTorch's per-class <c>weight</c> and inputs of
    /// more than two dims are not supported.
    /// </summary>
    /// <param name="input">Log-probabilities (e.g. from <see cref="Tensor.LogSoftmax"/>), float32 or float64.</param>
    /// <param name="target">Class indices, int64.</param>
    /// <param name="reduction">"mean" (default), "sum" or "none" (one loss per row).</param>
    /// <param name="ignoreIndex">A target value that is skipped.</param>
    /// <exception cref="ArgumentException">Shapes that do not pair up, a target that is not int64, or an unknown reduction.</exception>
    /// <exception cref="IndexOutOfRangeException">A target outside [0, C) that is not <paramref name="ignoreIndex"/>.</exception>
    public static Tensor NllLoss(Tensor input, Tensor target, string reduction = "mean", long ignoreIndex = -100)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        if (input.Dim == 0) throw new ArgumentException("Expected 1 or more dimensions (got 0)");
        if (input.Dim > 2)
            throw new NotSupportedException($"nll_loss supports (N, C) or (C) input only, got shape {ShapeUtil.Format(input.ShapeRef)}");
        // PyTorch's order of checks: the batch sizes, the target's rank, then the dtypes.
        if (input.Dim == 2)
        {
            int targetBatch = target.Dim == 0 ? 0 : target.Size(0);
            if (targetBatch != input.Size(0))
                throw new ArgumentException($"Expected input batch_size ({input.Size(0)}) to match target batch_size ({targetBatch}).");
        }
        if (target.Dim > 1) throw new ArgumentException("0D or 1D target tensor expected, multi-target not supported");
        if (input.Dim == 1 && target.Dim == 1 && target.Size(0) != 1)
            throw new ArgumentException($"For 1D input, 1D target must have size 1, but got target size: {target.Size(0)}");
        if (target.DType != DType.Int64)
            throw new ArgumentException($"expected target dtype to be Long or Byte, but got {ScalarTypeName(target.DType)}");
        if (!input.IsFloatingPoint) throw new NotSupportedException($"nll_loss is only supported for float32 and float64 input, got {input.DType.TorchName()}");
        if (input.Dim == 1)
        {
            var batched = NllLoss(input.Reshape(1, -1), target.Reshape(1), reduction, ignoreIndex);
            return reduction == "none" ? batched.Reshape() : batched;
        }
        int n = input.Size(0), classes = input.Size(1);

        var labels = target.ToArray<long>();
        var safe = new long[n];
        var keep = new double[n];
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            if (labels[i] == ignoreIndex) continue;
            if (labels[i] < 0 || labels[i] >= classes) throw new IndexOutOfRangeException($"Target {labels[i]} is out of bounds.");
            safe[i] = labels[i];
            keep[i] = 1;
            kept++;
        }
        // Every target counts: one reduced node, as PyTorch's nll_loss (the same values as below).
        if (kept == n && n > 0 && reduction != "none") return input.NllLoss(safe, mean: reduction == "mean");
        var loss = input.Gather(1, Torch.Tensor(safe, [n, 1])).Reshape(n).Neg();
        if (kept < n) loss = loss.Mul(Torch.Tensor(keep).To(input.DType));
        return reduction switch
        {
            // Every target ignored: PyTorch's loss is nan (0/0) but its gradient is zero, not nan.
            "mean" => kept > 0 ? loss.Sum().Div(kept) : loss.Sum().Add(double.NaN),
            "sum" => loss.Sum(),
            _ => loss,
        };
    }

    /// <summary>PyTorch's C++ name of a dtype, as its kernels' messages spell it.</summary>
    private static string ScalarTypeName(DType dtype) => dtype switch
    {
        DType.Float32 => "Float",
        DType.Float64 => "Double",
        DType.Int64 => "Long",
        _ => "Bool",
    };

    /// <summary>
    /// Binary cross entropy of logits against targets in [0, 1], in the stable form
    /// <c>max(x, 0) - x·y + log(1 + exp(-|x|))</c>. Its gradient is recorded as one node,
    /// <c>sigmoid(x) - y</c> (and <c>-x</c> for the target), which is also right at x = 0 where
    /// the pieces of the stable form have kinks.
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, string reduction = "mean")
    {
        CheckReduction(reduction);
        if (!ShapeUtil.SameShape(input.ShapeRef, target.ShapeRef))
            throw new ArgumentException($"Target size ({PyRepr.Size(target.ShapeRef)}) must be the same as input size ({PyRepr.Size(input.ShapeRef)})");
        Tensor loss;
        using (Torch.NoGrad())
            loss = input.Relu().Sub(input.Mul(target)).Add(input.Abs().Neg().Exp().Add(1).Log());
        if (Graph.NeedsGrad(input, target))
        {
            Tensor x = input.Detach(), y = target.Detach();
            bool gx = input.RequiresGrad, gy = target.RequiresGrad;
            Graph.RecordSaving(loss, "BinaryCrossEntropyWithLogitsBackward0", [x, y],
                g => [gx ? g.Mul(x.Sigmoid().Sub(y)) : null, gy ? g.Mul(x.Neg()) : null], input, target);
        }
        return Reduce(loss, reduction);
    }
}
