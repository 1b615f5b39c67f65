using System.Collections;
using System.Reflection;

namespace SharpOptim.NN;

// copy.deepcopy(module).
public abstract partial class Module
{
    /// <summary>
    /// A fully independent copy, as Python's <c>copy.deepcopy(module)</c>: the same class and
    /// settings, every parameter and buffer cloned as a new leaf (same requires-grad, no grad),
    /// every child copied. Sharing inside the module is kept: a parameter or child that appears
    /// twice is copied once and appears twice in the copy.
    /// </summary>
    /// <remarks>
    /// The copy starts as a member-wise clone, so a subclass's own fields keep their values.
    /// Fields holding a <see cref="Tensor"/> or <see cref="Module"/> (or an array or
    /// <see cref="List{T}"/> of them) are rewired to the copies, so a model that keeps its layers
    /// in fields as well as registering them computes with the copied layers. Other reference
    /// fields (e.g. a dictionary of layers) are shared with the original.
    /// </remarks>
    public Module DeepCopy()
    {
        using (Torch.NoGrad())
            return DeepCopyWith(new Dictionary<object, object>(ReferenceEqualityComparer.Instance));
    }

    private Module DeepCopyWith(Dictionary<object, object> memo)
    {
        if (memo.TryGetValue(this, out var done)) return (Module)done;
        var copy = (Module)MemberwiseClone();
        memo[this] = copy;

        copy._parameters = new();
        foreach (var (name, p) in _parameters) copy._parameters[name] = p is null ? null : (Parameter)CopyTensor(p, memo);
        copy._buffers = new();
        foreach (var (name, b) in _buffers) copy._buffers[name] = b is null ? null : CopyTensor(b, memo);
        copy._nonPersistentBuffers = new(_nonPersistentBuffers);
        copy._modules = new();
        foreach (var (name, m) in _modules) copy._modules[name] = m?.DeepCopyWith(memo);

        for (var type = GetType(); type is not null && type != typeof(Module); type = type.BaseType)
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                var value = field.GetValue(this);
                var mapped = CopyFieldValue(value, memo);
                if (!ReferenceEquals(mapped, value)) field.SetValue(copy, mapped);
            }
        return copy;
    }

    private static object? CopyFieldValue(object? value, Dictionary<object, object> memo)
    {
        switch (value)
        {
            case Tensor t: return CopyTensor(t, memo);
            case Module m: return m.DeepCopyWith(memo);
            case Array a when IsCopied(a.GetType().GetElementType()!):
            {
                if (memo.TryGetValue(a, out var doneArray)) return doneArray;
                var copy = Array.CreateInstance(a.GetType().GetElementType()!, a.Length);
                memo[a] = copy;
                for (int i = 0; i < a.Length; i++) copy.SetValue(CopyFieldValue(a.GetValue(i), memo), i);
                return copy;
            }
            case IList list when value.GetType().IsGenericType && value.GetType().GetGenericTypeDefinition() == typeof(List<>)
                                 && IsCopied(value.GetType().GetGenericArguments()[0]):
            {
                if (memo.TryGetValue(list, out var doneList)) return doneList;
                var copy = (IList)Activator.CreateInstance(value.GetType())!;
                memo[list] = copy;
                foreach (var item in list) copy.Add(CopyFieldValue(item, memo));
                return copy;
            }
            default: return value;
        }
    }

    private static bool IsCopied(Type elementType)
        => typeof(Tensor).IsAssignableFrom(elementType) || typeof(Module).IsAssignableFrom(elementType);

    /// <summary>A clone that is a new leaf: Parameter stays Parameter, requires-grad kept (as PyTorch's <c>__deepcopy__</c>).</summary>
    private static Tensor CopyTensor(Tensor t, Dictionary<object, object> memo)
    {
        if (memo.TryGetValue(t, out var done)) return (Tensor)done;
        Tensor copy = t is Parameter p
            ? new Parameter(p.Detach().Clone(), p.RequiresGrad)
            : t.Detach().Clone().RequiresGrad_(t.IsLeaf && t.RequiresGrad);
        memo[t] = copy;
        return copy;
    }
}
