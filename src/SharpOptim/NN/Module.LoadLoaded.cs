namespace SharpOptim.NN;

// LoadStateDict for what a checkpoint reader returns.
public abstract partial class Module
{
    /// <summary>
    /// Loads a state dict whose values arrive typed as objects, as <c>Torch.Load</c> returns
    /// PyTorch's <c>model.state_dict()</c>: <c>model.LoadStateDict((IReadOnlyDictionary&lt;string, object?&gt;)checkpoint["model"]!)</c>.
    /// Every value must be a tensor; then it loads as <see cref="LoadStateDict(IReadOnlyDictionary{string, Tensor}, bool)"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A value is not a tensor (named by key), or as the typed overload.</exception>
    public IncompatibleKeys LoadStateDict(IReadOnlyDictionary<string, object?> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var tensors = new OrderedDictionary<string, Tensor>(stateDict.Count);
        foreach (var (key, value) in stateDict)
            tensors[key] = value as Tensor ?? throw new ArgumentException(
                $"Error(s) in loading state_dict for {GetType().Name}:\n\tstate_dict entry \"{key}\" is {(value is null ? "None" : "a " + value.GetType().Name)}, not a tensor.", nameof(stateDict));
        return LoadStateDict(tensors, strict);
    }
}
