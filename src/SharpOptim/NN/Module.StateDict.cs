namespace SharpOptim.NN;

/// <summary>What <see cref="Module.LoadStateDict(IReadOnlyDictionary{string, Tensor}, bool)"/> did not match (PyTorch's <c>_IncompatibleKeys</c>).</summary>
public sealed record IncompatibleKeys(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

// state_dict / load_state_dict.
public abstract partial class Module
{
    /// <summary>
    /// The module's parameters and persistent buffers under dotted keys, in PyTorch's order
    /// (each module's own parameters, then its buffers, then each child's entries). Values are
    /// detached tensors sharing storage with the module (the parameters themselves with
    /// <paramref name="keepVars"/>), so they follow later training unless cloned.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict(string prefix = "", bool keepVars = false)
    {
        var destination = new OrderedDictionary<string, Tensor>();
        SaveTo(destination, prefix, keepVars);
        return destination;
    }

    private void SaveTo(OrderedDictionary<string, Tensor> destination, string prefix, bool keepVars)
    {
        foreach (var (name, p) in _parameters)
            if (p is not null) destination[prefix + name] = keepVars ? p : p.Detach();
        foreach (var (name, b) in _buffers)
            if (b is not null && !_nonPersistentBuffers.Contains(name)) destination[prefix + name] = keepVars ? b : b.Detach();
        foreach (var (name, m) in _modules)
            m?.SaveTo(destination, prefix + name + ".", keepVars);
    }

    /// <summary>
    /// Copies the values of <paramref name="stateDict"/> into the parameters and persistent
    /// buffers, in place and without recording autograd (cast to each one's dtype), as PyTorch's
    /// <c>load_state_dict</c>. With <paramref name="strict"/>, keys the module lacks and keys
    /// the dict lacks are errors; a shape mismatch is always an error. Unlike PyTorch, every
    /// check runs before anything is copied: on error the exception lists all problems and the
    /// module is left exactly as it was. A state dict here carries no version metadata and is
    /// read as the current version, as PyTorch reads the dicts its <c>state_dict()</c> makes
    /// (so a missing <c>num_batches_tracked</c> is a missing key, not filled in).
    /// </summary>
    /// <exception cref="ArgumentException">With PyTorch's message, e.g.
    /// <c>Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". </c></exception>
    public IncompatibleKeys LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var missing = new List<string>();
        var unexpected = new List<string>();
        var errors = new List<string>();
        var copies = new List<(Tensor Target, Tensor Source)>();
        var local = new OrderedDictionary<string, Tensor>();
        foreach (var (k, v) in stateDict) local[k] = v;
        PlanLoad(local, "", missing, unexpected, errors, copies);

        if (strict)
        {
            if (unexpected.Count > 0)
                errors.Insert(0, $"Unexpected key(s) in state_dict: {string.Join(", ", unexpected.Select(k => $"\"{k}\""))}. ");
            if (missing.Count > 0)
                errors.Insert(0, $"Missing key(s) in state_dict: {string.Join(", ", missing.Select(k => $"\"{k}\""))}. ");
        }
        if (errors.Count > 0)
            throw new ArgumentException($"Error(s) in loading state_dict for {GetType().Name}:\n\t{string.Join("\n\t", errors)}");

        using (Torch.NoGrad())
            foreach (var (target, source) in copies) target.Copy_(source);
        return new IncompatibleKeys(missing, unexpected);
    }

    // The validating half of PyTorch's _load_from_state_dict + the recursive load(): it records
    // the copies to make instead of making them. Missing and unexpected keys are always
    // collected (PyTorch's load() passes strict=True down); strict only decides if they raise.
    private void PlanLoad(OrderedDictionary<string, Tensor> stateDict, string prefix,
                          List<string> missing, List<string> unexpected, List<string> errors, List<(Tensor, Tensor)> copies)
    {
        var localState = new OrderedDictionary<string, Tensor>();
        foreach (var (name, p) in _parameters)
            if (p is not null) localState[name] = p;
        foreach (var (name, b) in _buffers)
            if (b is not null && !_nonPersistentBuffers.Contains(name)) localState[name] = b;

        foreach (var (name, target) in localState)
        {
            var key = prefix + name;
            if (!stateDict.TryGetValue(key, out var input))
            {
                missing.Add(key);
                continue;
            }
            // PyTorch's backward compatibility: a 1-element 1-d tensor loads into a 0-d one.
            if (target.Dim == 0 && input.Dim == 1 && input.Size(0) == 1) input = input.Reshape();
            if (!ShapeUtil.SameShape(input.ShapeRef, target.ShapeRef))
            {
                errors.Add($"size mismatch for {key}: copying a param with shape {PyRepr.Size(input.ShapeRef)} from checkpoint, " +
                           $"the shape in current model is {PyRepr.Size(target.ShapeRef)}.");
                continue;
            }
            copies.Add((target, input));
        }

        foreach (var key in stateDict.Keys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var rest = key[prefix.Length..];
            int dot = rest.IndexOf('.');
            bool known = dot >= 0 ? _modules.ContainsKey(rest[..dot]) : localState.ContainsKey(rest);
            if (!known) unexpected.Add(key);
        }

        foreach (var (name, child) in _modules)
        {
            if (child is null) continue;
            var childPrefix = prefix + name + ".";
            var childDict = new OrderedDictionary<string, Tensor>();
            foreach (var (k, v) in stateDict)
                if (k.StartsWith(childPrefix, StringComparison.Ordinal)) childDict[k] = v;
            child.PlanLoad(childDict, childPrefix, missing, unexpected, errors, copies);
        }
    }
}
