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

    public int NumFeatures { get; }

    public double Eps { get; }

    /// <summary>Weight of the newest batch in the running statistics; null for a cumulative average. Settable.</summary>
    public double? Momentum { get; set; }

    public bool Affine { get; }

    public bool TrackRunningStats { get; }

    public Parameter? Weight => GetParameter("weight");

    public Parameter? Bias => GetParameter("bias");

    public Tensor? RunningMean => GetBuffer("running_mean");

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

    protected override string ExtraRepr()
        => $"{NumFeatures}, eps={PyRepr.Float(Eps)}, momentum={PyRepr.Float(Momentum)}, affine={PyRepr.Bool(Affine)}, " +
           $"bias={PyRepr.Bool(Bias is not null)}, track_running_stats={PyRepr.Bool(TrackRunningStats)}";
}
