using SharpOptim.Autograd;
using SharpOptim.Optim;

namespace SharpOptim;

public partial class Tensor
{
    private static readonly object HookRegistration = new();

    private Action<Tensor>[] _postAccumulateGradHooks = [];

    /// <summary>The hooks <see cref="RegisterPostAccumulateGradHook"/> added, in order (an immutable snapshot).</summary>
    internal Action<Tensor>[] PostAccumulateGradHooks => _postAccumulateGradHooks;

    /// <summary>
    /// PyTorch's <c>register_post_accumulate_grad_hook</c>: <paramref name="hook"/> runs with this
    /// leaf once per backward pass, after the pass has finished accumulating into its
    /// <see cref="Grad"/> (DistributedDataParallel starts a gradient bucket's all-reduce from it).
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor does not require grad, or is not a leaf.</exception>
    public RemovableHandle RegisterPostAccumulateGradHook(Action<Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (!RequiresGrad)
            throw new InvalidOperationException("cannot register a hook on a tensor that doesn't require gradient");
        if (!IsLeaf)
            throw new InvalidOperationException("post accumulate grad hooks cannot be registered on non-leaf tensors");
        lock (HookRegistration)
        {
            _postAccumulateGradHooks = [.. _postAccumulateGradHooks, hook];
            Interlocked.Increment(ref LeafHooks.Registered);
        }
        return new RemovableHandle(() =>
        {
            lock (HookRegistration)
            {
                int at = Array.IndexOf(_postAccumulateGradHooks, hook);
                if (at < 0) return;
                _postAccumulateGradHooks = [.. _postAccumulateGradHooks[..at], .. _postAccumulateGradHooks[(at + 1)..]];
                Interlocked.Decrement(ref LeafHooks.Registered);
            }
        });
    }
}
