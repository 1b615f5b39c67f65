namespace SharpOptim.NN;

/// <summary>
/// Batch normalisation over (N, C) input, as <c>torch.nn.BatchNorm1d</c>. Buffers
/// <c>running_mean</c> (zeros), <c>running_var</c> (ones) and <c>num_batches_tracked</c> (int64
/// 0-d) when tracking; parameters <c>weight</c> (ones) and <c>bias</c> (zeros) when affine.
/// </summary>
/// <remarks>
/// Training normalises with the batch statistics and, when tracking, updates the running ones
/// with <see cref="Momentum"/>, or with the cumulative average 1/num_batches_tracked when
/// <see cref="Momentum"/> is null (what <c>swa_utils.update_bn</c> relies on). Evaluation
/// normalises with the running statistics when tracking, with the batch's otherwise.
/// </remarks>
public sealed class BatchNorm1d : Module
{
    /// <summary>A batch norm over <paramref name="numFeatures"/> features, as <c>torch.nn.BatchNorm1d(num_features, eps, momentum, affine, track_running_stats, dtype=..., bias=...)</c>.</summary>
    /// <param name="numFeatures">C, the size of the input's feature dim.</param>
    /// <param name="eps">Added to the variance before its square root.</param>
    /// <param name="momentum">Weight of the newest batch in the running statistics; null for a cumulative average.</param>
    /// <param name="affine">Whether to learn a per-feature scale <see cref="Weight"/> and shift <see cref="Bias"/>.</param>
    /// <param name="trackRunningStats">Whether to keep running statistics for evaluation (else evaluation uses the batch's).</param>
    /// <param name="dtype">Dtype of the parameters and running statistics; <see cref="Torch.DefaultDType"/> when null.</param>
    /// <param name="bias">With <paramref name="affine"/>, whether to learn <see cref="Bias"/> too.</param>
    public BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true,
                       DType? dtype = null, bool bias = true)
    {
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        Affine = affine;
        TrackRunningStats = trackRunningStats;
        RegisterParameter("weight", affine ? new Parameter(Torch.Empty([numFeatures], dtype)) : null);
        RegisterParameter("bias", affine && bias ? new Parameter(Torch.Empty([numFeatures], dtype)) : null);
        if (trackRunningStats)
        {
            RegisterBuffer("running_mean", Torch.Zeros([numFeatures], dtype));
            RegisterBuffer("running_var", Torch.Ones([numFeatures], dtype));
            RegisterBuffer("num_batches_tracked", Torch.Zeros([], DType.Int64));
        }
        else
        {
            RegisterBuffer("running_mean", null);
            RegisterBuffer("running_var", null);
            RegisterBuffer("num_batches_tracked", null);
        }
        ResetParameters();
    }

    /// <summary>C, the number of features (PyTorch's <c>num_features</c>).</summary>
    public int NumFeatures { get; }

    /// <summary>Added to the variance for numerical stability (PyTorch's <c>eps</c>).</summary>
    public double Eps { get; }

    /// <summary>Weight of the newest batch in the running statistics; null for a cumulative average. Settable.</summary>
    public double? Momentum { get; set; }

    /// <summary>Whether <see cref="Weight"/> (and <see cref="Bias"/>) are learned (PyTorch's <c>affine</c>).</summary>
    public bool Affine { get; }

    /// <summary>Whether running statistics are kept and used in evaluation mode (PyTorch's <c>track_running_stats</c>).</summary>
    public bool TrackRunningStats { get; }

    /// <summary>The per-feature scale γ, shape (C); null unless <see cref="Affine"/>.</summary>
    public Parameter? Weight => GetParameter("weight");

    /// <summary>The per-feature shift β, shape (C); null unless <see cref="Affine"/> and constructed with <c>bias: true</c>.</summary>
    public Parameter? Bias => GetParameter("bias");

    /// <summary>The buffer <c>running_mean</c>, shape (C); null unless <see cref="TrackRunningStats"/>.</summary>
    public Tensor? RunningMean => GetBuffer("running_mean");

    /// <summary>The buffer <c>running_var</c> (unbiased batch variances averaged), shape (C); null unless <see cref="TrackRunningStats"/>.</summary>
    public Tensor? RunningVar => GetBuffer("running_var");

    /// <summary>Batches seen in training mode since the last reset (int64, 0-d).</summary>
    public Tensor? NumBatchesTracked => GetBuffer("num_batches_tracked");

    /// <summary>running_mean = 0, running_var = 1, num_batches_tracked = 0.</summary>
    public void ResetRunningStats()
    {
        if (!TrackRunningStats) return;
        using (Torch.NoGrad())
        {
            RunningMean?.Zero_();
            RunningVar?.Fill_(1);
            NumBatchesTracked?.Zero_();
        }
    }

    /// <summary>Resets the running statistics and sets weight = 1, bias = 0.</summary>
    public void ResetParameters()
    {
        ResetRunningStats();
        if (Weight is { } w) Init.Ones_(w);
        if (Bias is { } b) Init.Zeros_(b);
    }

    /// <inheritdoc/>
    /// <remarks>Input and output are (N, C). In training mode N must be at least 2, and with tracking each call counts one batch in <see cref="NumBatchesTracked"/>.</remarks>
    /// <exception cref="ArgumentException">Input that is not 2-D or 3-D, a training batch of one, or C that does not match.</exception>
    /// <exception cref="NotSupportedException">(N, C, L) input, which PyTorch accepts and this layer does not.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Dim != 2 && input.Dim != 3)
            throw new ArgumentException($"expected 2D or 3D input (got {input.Dim}D input)");
        if (input.Dim == 3)
            throw new NotSupportedException("BatchNorm1d over (N, C, L) input is not supported; pass (N, C)");
        // Checked here as well as in F.batch_norm so that a batch of one fails before
        // num_batches_tracked moves (PyTorch counts the failed batch).
        if (Training && input.Size(0) == 1)
            throw new ArgumentException($"Expected more than 1 value per channel when training, got input size {PyRepr.Size(input.ShapeRef)}");

        double factor = Momentum ?? 0.0;
        if (Training && TrackRunningStats && NumBatchesTracked is { } tracked)
        {
            long count = ++tracked.AsSpan<long>()[0];
            factor = Momentum ?? 1.0 / count;
        }
        bool useBatchStats = Training || (RunningMean is null && RunningVar is null);
        bool passStats = !Training || TrackRunningStats;
        return Functional.BatchNorm(input, passStats ? RunningMean : null, passStats ? RunningVar : null, Weight, Bias,
                                    useBatchStats, factor, Eps);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"{NumFeatures}, eps={PyRepr.Float(Eps)}, momentum={PyRepr.Float(Momentum)}, affine={PyRepr.Bool(Affine)}, " +
           $"bias={PyRepr.Bool(Bias is not null)}, track_running_stats={PyRepr.Bool(TrackRunningStats)}";
}
