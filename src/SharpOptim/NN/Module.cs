namespace SharpOptim.NN;

/// <summary>
/// Base class of every layer and model, as <c>torch.nn.Module</c>. A module owns named
/// parameters, buffers and child modules, kept in the order they were registered; that order
/// is the order of <see cref="Parameters"/> (what an optimizer sees) and of the dotted keys of
/// <see cref="StateDict"/> (what a checkpoint holds), so it must be PyTorch's.
/// </summary>
/// <remarks>
/// C# has no <c>__setattr__</c>, so a subclass registers what it owns explicitly with
/// <see cref="RegisterParameter"/>, <see cref="RegisterBuffer"/> and <see cref="RegisterModule"/>.
/// It may also keep them in its own fields; then it re-points those fields in
/// <see cref="OnDeepCopy"/>, so that <see cref="DeepCopy"/> (and so <c>AveragedModel</c>) copies
/// compute with their own layers.
/// </remarks>
public abstract partial class Module
{
    // Not readonly: DeepCopy gives the copy its own dictionaries after MemberwiseClone.
    private OrderedDictionary<string, Parameter?> _parameters = new();
    private OrderedDictionary<string, Tensor?> _buffers = new();
    private HashSet<string> _nonPersistentBuffers = new();
    private OrderedDictionary<string, Module?> _modules = new();

    /// <summary>True in training mode (the default), false in evaluation mode. Dropout and BatchNorm depend on it.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>The computation. Subclasses implement it; callers may use it or <see cref="Call"/>.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Runs the module on <paramref name="input"/> (PyTorch's <c>module(x)</c>).</summary>
    public Tensor Call(Tensor input) => Forward(input);

    // ---------------------------------------------------------------- registration

    /// <summary>Adds (or replaces) a parameter; null registers the name with no parameter (e.g. <c>bias=False</c>).</summary>
    public void RegisterParameter(string name, Parameter? param)
    {
        CheckName(name, "parameter", _parameters);
        _parameters[name] = param;
    }

    /// <summary>
    /// Adds (or replaces) a buffer: a tensor that is part of the module's state but not a
    /// parameter (e.g. BatchNorm's running mean). Non-persistent buffers stay out of the state dict.
    /// </summary>
    public void RegisterBuffer(string name, Tensor? tensor, bool persistent = true)
    {
        CheckName(name, "buffer", _buffers);
        if (tensor is Parameter)
            throw new ArgumentException($"cannot assign 'torch.nn.Parameter' object to buffer '{name}' (torch Tensor or None required)");
        _buffers[name] = tensor;
        if (persistent) _nonPersistentBuffers.Remove(name);
        else _nonPersistentBuffers.Add(name);
    }

    /// <summary>Adds (or replaces) a child module; its parameters get names prefixed with <c>name.</c>.</summary>
    public void RegisterModule(string name, Module? module)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Contains('.')) throw new ArgumentException($"module name can't contain \".\", got: {name}");
        if (name.Length == 0) throw new ArgumentException("module name can't be empty string \"\"");
        if (_parameters.ContainsKey(name) || _buffers.ContainsKey(name))
            throw new ArgumentException($"attribute '{name}' already exists");
        _modules[name] = module;
    }

    /// <summary>Same as <see cref="RegisterModule"/> (PyTorch's <c>add_module</c>).</summary>
    public void AddModule(string name, Module? module) => RegisterModule(name, module);

    private void CheckName<T>(string name, string kind, OrderedDictionary<string, T> own)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Contains('.')) throw new ArgumentException($"{kind} name can't contain \".\"");
        if (name.Length == 0) throw new ArgumentException($"{kind} name can't be empty string \"\"");
        bool elsewhere = (_parameters.ContainsKey(name) || _buffers.ContainsKey(name) || _modules.ContainsKey(name)) && !own.ContainsKey(name);
        if (elsewhere) throw new ArgumentException($"attribute '{name}' already exists");
    }

    /// <summary>The parameter registered under <paramref name="name"/> on this module (null if registered as none).</summary>
    protected Parameter? GetParameter(string name) => _parameters.TryGetValue(name, out var p) ? p : throw MissingAttribute(name);

    /// <summary>The buffer registered under <paramref name="name"/> on this module (null if registered as none).</summary>
    protected Tensor? GetBuffer(string name) => _buffers.TryGetValue(name, out var b) ? b : throw MissingAttribute(name);

    /// <summary>The child module registered under <paramref name="name"/>.</summary>
    protected Module? GetModule(string name) => _modules.TryGetValue(name, out var m) ? m : throw MissingAttribute(name);

    private KeyNotFoundException MissingAttribute(string name) => new KeyNotFoundException($"'{GetType().Name}' object has no attribute '{name}'");

    // ---------------------------------------------------------------- traversal

    /// <summary>The parameters of this module and (with <paramref name="recurse"/>) its descendants, each once.</summary>
    public ParameterSequence<Parameter> Parameters(bool recurse = true)
        => new(() => NamedMembers(m => m._parameters, "", recurse, removeDuplicate: true).Select(np => np.Item2));

    /// <summary>
    /// Parameters with dotted names (<c>"0.weight"</c>). A parameter shared by two modules is
    /// listed once, under its first name, unless <paramref name="removeDuplicate"/> is false.
    /// </summary>
    public ParameterSequence<(string Name, Parameter Param)> NamedParameters(string prefix = "", bool recurse = true, bool removeDuplicate = true)
        => new(() => NamedMembers(m => m._parameters, prefix, recurse, removeDuplicate));

    /// <summary>The buffers of this module and (with <paramref name="recurse"/>) its descendants, each once.</summary>
    public IEnumerable<Tensor> Buffers(bool recurse = true)
    {
        foreach (var (_, b) in NamedBuffers(recurse: recurse)) yield return b;
    }

    /// <summary>Buffers with dotted names (<c>"1.running_mean"</c>), persistent or not.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(string prefix = "", bool recurse = true, bool removeDuplicate = true)
        => NamedMembers(m => m._buffers, prefix, recurse, removeDuplicate);

    private IEnumerable<(string, T)> NamedMembers<T>(Func<Module, OrderedDictionary<string, T?>> members, string prefix, bool recurse, bool removeDuplicate)
        where T : Tensor
    {
        var memo = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var modules = recurse ? NamedModules(prefix, removeDuplicate) : [(prefix, this)];
        foreach (var (modulePrefix, module) in modules)
            foreach (var (name, value) in members(module))
            {
                if (value is null || (removeDuplicate && !memo.Add(value))) continue;
                yield return (Join(modulePrefix, name), value);
            }
    }

    /// <summary>The direct children, each once.</summary>
    public IEnumerable<Module> Children()
    {
        foreach (var (_, m) in NamedChildren()) yield return m;
    }

    /// <summary>The direct children with their names, each module once.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren()
    {
        var memo = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        foreach (var (name, m) in _modules)
            if (m is not null && memo.Add(m)) yield return (name, m);
    }

    /// <summary>This module and all its descendants, depth first, each once.</summary>
    public IEnumerable<Module> Modules()
    {
        foreach (var (_, m) in NamedModules()) yield return m;
    }

    /// <summary>This module (named <paramref name="prefix"/>) and its descendants with dotted names, depth first.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "", bool removeDuplicate = true)
    {
        var memo = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var result = new List<(string, Module)>();
        Walk(this, prefix);
        return result;

        void Walk(Module module, string name)
        {
            if (memo.Contains(module)) return;
            if (removeDuplicate) memo.Add(module);
            result.Add((name, module));
            foreach (var (childName, child) in module._modules)
                if (child is not null) Walk(child, Join(name, childName));
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    // ---------------------------------------------------------------- modes and grads

    /// <summary>Sets training mode on this module and every descendant; returns this module.</summary>
    public Module Train(bool mode = true)
    {
        Training = mode;
        foreach (var child in Children()) child.Train(mode);
        return this;
    }

    /// <summary>Evaluation mode: <c>Train(false)</c>.</summary>
    public Module Eval() => Train(false);

    /// <summary>Sets <see cref="Tensor.RequiresGrad"/> on every parameter (freezing with false); returns this module.</summary>
    public Module RequiresGrad_(bool requiresGrad = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>
    /// Clears the parameters' gradients: drops them (the default, as PyTorch) or, with
    /// <paramref name="setToNone"/> false, zeroes them in place after cutting them from any graph.
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters())
        {
            if (p.Grad is not { } grad) continue;
            if (setToNone)
            {
                p.Grad = null;
                continue;
            }
            if (grad.GradFn is not null) grad.Detach_();
            else grad.RequiresGrad = false;
            grad.Zero_();
        }
    }

    /// <summary>Calls <paramref name="fn"/> on every descendant (children first) and then on this module; returns this module.</summary>
    public Module Apply(Action<Module> fn)
    {
        foreach (var child in Children()) child.Apply(fn);
        fn(this);
        return this;
    }

    // ---------------------------------------------------------------- repr

    /// <summary>The constructor arguments shown inside this module's repr (PyTorch's <c>extra_repr</c>).</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>PyTorch's module repr, e.g. <c>Linear(in_features=4, out_features=2, bias=True)</c>, children indented.</summary>
    public override string ToString()
    {
        var extra = ExtraRepr();
        var extraLines = extra.Length == 0 ? [] : extra.Split('\n');
        var childLines = new List<string>();
        foreach (var (name, module) in _modules)
        {
            var text = (module?.ToString() ?? "None").Replace("\n", "\n  ");
            childLines.Add($"({name}): {text}");
        }
        var main = GetType().Name + "(";
        if (extraLines.Length == 1 && childLines.Count == 0) main += extraLines[0];
        else if (extraLines.Length + childLines.Count > 0) main += "\n  " + string.Join("\n  ", [.. extraLines, .. childLines]) + "\n";
        return main + ")";
    }
}
