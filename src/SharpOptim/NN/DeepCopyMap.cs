using System.Diagnostics.CodeAnalysis;

namespace SharpOptim.NN;

/// <summary>
/// The originals and their copies within one <see cref="Module.DeepCopy"/> (Python's deepcopy
/// <c>memo</c>): each object is copied once, so sharing and weight tying survive the copy. A
/// module's <see cref="Module.OnDeepCopy"/> receives it to re-point its own fields.
/// </summary>
public sealed class DeepCopyMap
{
    private readonly Dictionary<object, object> _copies = new(ReferenceEqualityComparer.Instance);

    internal DeepCopyMap() { }

    /// <summary>The copy of <paramref name="module"/> (made now if this deep copy has none yet); null for null.</summary>
    [return: NotNullIfNotNull(nameof(module))]
    public T? Copy<T>(T? module) where T : Module
    {
        if (module is null) return null;
        if (_copies.TryGetValue(module, out var done)) return (T)done;
        return (T)module.CopyWith(this);
    }

    /// <summary>
    /// The copy of <paramref name="parameter"/> (made now if this deep copy has none yet): a new
    /// leaf <see cref="Parameter"/> with the same values and requires-grad and no grad, as
    /// PyTorch's <c>Parameter.__deepcopy__</c>; null for null.
    /// </summary>
    [return: NotNullIfNotNull(nameof(parameter))]
    public Parameter? Copy(Parameter? parameter) => (Parameter?)Copy((Tensor?)parameter);

    /// <summary>
    /// The copy of <paramref name="tensor"/> (made now if this deep copy has none yet): a new leaf
    /// with the same values and no grad, requiring grad when the original is a leaf that does; a
    /// <see cref="Parameter"/> stays one. Null for null.
    /// </summary>
    [return: NotNullIfNotNull(nameof(tensor))]
    public Tensor? Copy(Tensor? tensor)
    {
        if (tensor is null) return null;
        if (_copies.TryGetValue(tensor, out var done)) return (Tensor)done;
        Tensor copy = tensor is Parameter p
            ? new Parameter(p.Detach().Clone(), p.RequiresGrad)
            : tensor.Detach().Clone().RequiresGrad_(tensor.IsLeaf && tensor.RequiresGrad);
        _copies[tensor] = copy;
        return copy;
    }

    /// <summary>Records <paramref name="copy"/> before its children are copied, so a cycle back to it finds it.</summary>
    internal void Remember(Module original, Module copy) => _copies[original] = copy;
}
