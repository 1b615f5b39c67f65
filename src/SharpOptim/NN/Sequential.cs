using System.Collections;

namespace SharpOptim.NN;

/// <summary>
/// Modules applied one after another, as <c>torch.nn.Sequential</c>. The children are named
/// "0", "1", …, so their parameters are "0.weight", "0.bias", … in state dicts.
/// </summary>
public sealed class Sequential : Module, IEnumerable<Module>
{
    // The children in order, beside the registry for a Forward without lookups.
    private List<Module> _layers = [];

    /// <summary>The modules in the order they run, named "0", "1", …, as <c>torch.nn.Sequential(*modules)</c>.</summary>
    /// <exception cref="ArgumentNullException">A null module.</exception>
    public Sequential(params Module[] modules)
    {
        foreach (var m in modules) Add(m);
    }

    /// <summary>Number of modules.</summary>
    public int Count => _layers.Count;

    /// <summary>The module at <paramref name="index"/> (negative counts from the end).</summary>
    public Module this[int index]
    {
        get
        {
            if (index < -Count || index >= Count) throw new IndexOutOfRangeException($"index {index} is out of range");
            return _layers[index < 0 ? index + Count : index];
        }
    }

    /// <summary>Appends a module under the next index name (PyTorch's <c>append</c>); returns this.</summary>
    public Sequential Add(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _layers.Add(module);
        return this;
    }

    /// <summary>Same as <see cref="Add"/>.</summary>
    public Sequential Append(Module module) => Add(module);

    /// <inheritdoc/>
    /// <remarks>Each module's output is the next one's input; an empty Sequential returns its input.</remarks>
    public override Tensor Forward(Tensor input)
    {
        foreach (var layer in _layers) input = layer.Forward(input);
        return input;
    }

    /// <summary>Points the copy's layer list at the copied children.</summary>
    protected override void OnDeepCopy(DeepCopyMap map) => _layers = _layers.ConvertAll(layer => map.Copy(layer));

    /// <summary>The modules in order, so <c>foreach (var layer in seq)</c> works as iterating a <c>torch.nn.Sequential</c>.</summary>
    public IEnumerator<Module> GetEnumerator() => _layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
