namespace SharpOptim.NN;

// copy.deepcopy(module), without reflection: trimming and Native AOT remove the field metadata a
// reflective copy reads, and such a copy then silently kept computing with the original's layers.
public abstract partial class Module
{
    /// <summary>
    /// A fully independent copy, as Python's <c>copy.deepcopy(module)</c>: the same class and
    /// settings, every registered parameter and buffer cloned as a new leaf (same requires-grad, no
    /// grad), every registered child copied. Sharing inside the module is kept: a parameter or child
    /// that appears twice is copied once and appears twice in the copy.
    /// </summary>
    /// <remarks>
    /// The copy starts as a member-wise clone, so a subclass's own fields keep their values. A
    /// subclass that also keeps registered tensors or modules in fields of its own points them at
    /// the copies in <see cref="OnDeepCopy"/>; a model that reaches its layers through the
    /// registry (<see cref="GetModule"/>, <see cref="GetParameter"/>, <see cref="GetBuffer"/>)
    /// needs nothing.
    /// </remarks>
    public Module DeepCopy()
    {
        using (Torch.NoGrad())
            return new DeepCopyMap().Copy(this);
    }

    /// <summary>
    /// Called on a deep copy once its registered parameters, buffers and children are copied. A
    /// module that keeps tensors or modules in fields of its own (e.g. <c>_head</c> next to
    /// <c>RegisterModule("head", _head)</c>) re-points each such field here:
    /// <c>_head = map.Copy(_head);</c>. The map returns the copy already made of a registered
    /// object, so the field and the registry agree. A field not re-pointed keeps referring to the
    /// original's object, and the copy would compute with the original's layers.
    /// </summary>
    /// <param name="map">The originals' copies, for this one deep copy.</param>
    protected virtual void OnDeepCopy(DeepCopyMap map) { }

    /// <summary>The copy of this module within <paramref name="map"/>'s deep copy (see <see cref="DeepCopyMap.Copy{T}"/>).</summary>
    internal Module CopyWith(DeepCopyMap map)
    {
        var copy = (Module)MemberwiseClone();
        map.Remember(this, copy);
        copy._parameters = new();
        foreach (var (name, p) in _parameters) copy._parameters[name] = map.Copy(p);
        copy._buffers = new();
        foreach (var (name, b) in _buffers) copy._buffers[name] = map.Copy(b);
        copy._nonPersistentBuffers = new(_nonPersistentBuffers);
        copy._modules = new();
        foreach (var (name, m) in _modules) copy._modules[name] = map.Copy(m);
        copy.OnDeepCopy(map);
        return copy;
    }
}
