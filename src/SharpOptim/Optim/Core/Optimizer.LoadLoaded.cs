namespace SharpOptim.Optim;

// LoadStateDict for what a checkpoint reader returns.
public abstract partial class Optimizer
{
    /// <summary>
    /// Loads a state dict given as nested dictionaries, as <c>Torch.Load</c> returns PyTorch's
    /// <c>optimizer.state_dict()</c>: <c>optimizer.LoadStateDict((IReadOnlyDictionary&lt;string, object?&gt;)checkpoint["optimizer"]!)</c>.
    /// Converted by <see cref="OptimizerStateDict.FromLoaded"/>, then loaded as <see cref="LoadStateDict(OptimizerStateDict)"/>:
    /// any error leaves this optimizer as it was.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, object?> stateDict) => LoadStateDict(OptimizerStateDict.FromLoaded(stateDict));
}
