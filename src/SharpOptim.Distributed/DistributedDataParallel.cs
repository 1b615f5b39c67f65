using System.Runtime.InteropServices;
using SharpOptim.NN;

namespace SharpOptim.Distributed;

/// <summary>
/// PyTorch's <c>torch.nn.parallel.DistributedDataParallel</c> over MPI: every rank holds a
/// replica of <see cref="Module"/>, runs it on its own part of the batch, and after backward
/// each gradient is the mean over ranks, so every replica takes the same optimizer step. Any
/// optimizer and scheduler work unchanged on <c>ddp.Parameters()</c>.
/// <para>At construction the parameters' shapes are checked to agree across ranks and rank 0's
/// parameters and buffers are copied to every rank. Gradients are packed, in reverse parameter
/// order (about the order backward produces them), into buckets of at most
/// <c>bucketCapMb</c> MiB (the first of at most 1 MiB, as PyTorch), and each bucket's all-reduce
/// starts, non-blocking, from a post-accumulate-grad hook as soon as its last gradient is
/// accumulated, overlapping communication with the rest of the backward pass. The last bucket's
/// hook waits for all of them and writes the averaged gradients back.</para>
/// <para>Every parameter that requires grad must get a gradient in every backward pass
/// (PyTorch's <c>find_unused_parameters=False</c>); sparse gradients are not supported.</para>
/// </summary>
public sealed unsafe class DistributedDataParallel : NN.Module, IDisposable
{
    /// <summary>PyTorch's <c>dist._DEFAULT_FIRST_BUCKET_BYTES</c>: a small first bucket starts communication early.</summary>
    private const int FirstBucketBytes = 1 << 20;

    private readonly List<GradBucket> _buckets = [];
    private readonly nint* _requests;
    private readonly List<Optim.RemovableHandle> _hooks = [];
    private readonly bool _broadcastBuffers;
    private readonly int _worldSize;
    private int _nextToLaunch;
    private bool _disposed;

    /// <param name="module">The replica on this rank.</param>
    /// <param name="bucketCapMb">The largest bucket, in MiB (PyTorch's <c>bucket_cap_mb</c>).</param>
    /// <param name="broadcastBuffers">Copy rank 0's buffers to every rank at each forward (PyTorch's <c>broadcast_buffers</c>).</param>
    public DistributedDataParallel(NN.Module module, double bucketCapMb = 25, bool broadcastBuffers = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!(bucketCapMb > 0)) throw new ArgumentOutOfRangeException(nameof(bucketCapMb), bucketCapMb, "bucket_cap_mb must be positive");
        Dist.RequireInit();
        Module = module;
        RegisterModule("module", module);
        _broadcastBuffers = broadcastBuffers;
        _worldSize = Dist.GetWorldSize();

        var named = module.NamedParameters().ToList();
        ReplicaCheck.VerifySameShapes(named);
        using (Torch.NoGrad())
        {
            foreach (var (_, p) in named) Dist.Broadcast_(p, 0);
            foreach (var b in module.Buffers()) Dist.Broadcast_(b, 0);
        }

        BuildBuckets(named.Select(n => (Tensor)n.Param).Where(p => p.RequiresGrad).Reverse().ToList(), (long)(bucketCapMb * (1 << 20)));
        _requests = (nint*)NativeMemory.AllocZeroed((nuint)Math.Max(1, _buckets.Count), (nuint)sizeof(nint));
        for (int b = 0; b < _buckets.Count; b++)
            for (int i = 0; i < _buckets[b].Parameters.Count; i++)
            {
                int bucket = b, index = i;
                _hooks.Add(_buckets[b].Parameters[i].RegisterPostAccumulateGradHook(p => OnGradientReady(bucket, index, p)));
            }
    }

    /// <summary>The wrapped module (PyTorch's <c>ddp.module</c>); its state dict keys lack the <c>module.</c> prefix.</summary>
    public NN.Module Module { get; }

    /// <summary>The bucket layout, for inspection: per bucket its dtype and parameter count.</summary>
    public IReadOnlyList<(DType DType, int Parameters, int Bytes)> Buckets => _buckets.Select(b => (b.DType, b.Parameters.Count, b.Bytes)).ToList();

    /// <summary>When false (inside <see cref="NoSync"/>), backward only accumulates local gradients.</summary>
    public bool RequireBackwardGradSync { get; private set; } = true;

    /// <summary>
    /// Runs the replica. With <c>broadcastBuffers</c>, rank 0's buffers (e.g. BatchNorm's running
    /// statistics) are first copied to every rank, as PyTorch does at each forward.
    /// </summary>
    public override Tensor Forward(Tensor input)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var bucket in _buckets)
        {
            if (!bucket.HasGradients) continue;
            foreach (var b in _buckets) b.Reset();
            _nextToLaunch = 0;
            throw new InvalidOperationException(
                "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates that your module has parameters that were not used in producing loss. "
                + "DistributedDataParallel needs every parameter that requires grad to receive a gradient in each backward pass (find_unused_parameters is not supported); freeze unused parameters with RequiresGrad_(false) before wrapping the module.");
        }
        if (_broadcastBuffers && _worldSize > 1)
            using (Torch.NoGrad())
                foreach (var b in Module.Buffers()) Dist.Broadcast_(b, 0);
        return Module.Forward(input);
    }

    /// <summary>
    /// PyTorch's <c>no_sync()</c>: backward passes inside the scope accumulate gradients locally;
    /// the first backward after it reduces the accumulated sum.
    /// </summary>
    public IDisposable NoSync()
    {
        bool previous = RequireBackwardGradSync;
        RequireBackwardGradSync = false;
        return new Scope(() => RequireBackwardGradSync = previous);
    }

    /// <summary>How many buckets the last synchronised backward pass launched before its last gradient was ready (the overlap).</summary>
    internal int LastEarlyLaunches { get; private set; }

    private void OnGradientReady(int bucketIndex, int index, Tensor param)
    {
        if (!RequireBackwardGradSync) return;
        if (!_buckets[bucketIndex].Add(index, param.Grad!, 1.0 / _worldSize)) return;
        int launchedBefore = _nextToLaunch;
        // Buckets start in index order on every rank (MPI needs the same order of collectives everywhere).
        while (_nextToLaunch < _buckets.Count && _buckets[_nextToLaunch].Ready)
        {
            _buckets[_nextToLaunch].Launch(_requests + _nextToLaunch);
            _nextToLaunch++;
        }
        if (_nextToLaunch < _buckets.Count) return;
        LastEarlyLaunches = launchedBefore;
        _nextToLaunch = 0;
        for (int b = 0; b < _buckets.Count; b++) _buckets[b].Finish(_requests + b);
    }

    private void BuildBuckets(List<Tensor> reversedParams, long capBytes)
    {
        var open = new Dictionary<DType, (List<Tensor> Params, long Bytes)>();
        long firstCap = Math.Min(FirstBucketBytes, capBytes);
        foreach (var p in reversedParams)
        {
            if (p.DType is not (DType.Float32 or DType.Float64))
                throw new NotSupportedException($"DistributedDataParallel supports float32 and float64 parameters, not {p.DType}");
            long bytes = (long)p.Numel * (p.DType == DType.Float32 ? 4 : 8);
            if (!open.TryGetValue(p.DType, out var current)) current = ([], 0);
            current.Params.Add(p);
            current.Bytes += bytes;
            if (current.Bytes >= (_buckets.Count == 0 ? firstCap : capBytes))
            {
                _buckets.Add(new GradBucket(p.DType, current.Params));
                open.Remove(p.DType);
            }
            else open[p.DType] = current;
        }
        foreach (var (dtype, rest) in open.OrderBy(kv => kv.Key)) _buckets.Add(new GradBucket(dtype, rest.Params));
    }

    /// <summary>Removes the gradient hooks; the module can then be trained alone or wrapped again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var h in _hooks) h.Remove();
        NativeMemory.Free(_requests);
    }

    private sealed class Scope(Action onDispose) : IDisposable
    {
        private Action? _onDispose = onDispose;

        public void Dispose()
        {
            _onDispose?.Invoke();
            _onDispose = null;
        }
    }
}
