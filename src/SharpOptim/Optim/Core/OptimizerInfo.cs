namespace SharpOptim.Optim;

/// <summary>
/// One algorithm as <see cref="OptimizerRegistry"/> lists it, after PyTorch's <c>OptimizerInfo</c>
/// (<c>torch.testing._internal.common_optimizers.optim_db</c>): its name, how to build it on each
/// implementation it has, what it needs from its parameters, gradients and callers, where its
/// fixtures are, and a learning rate that trains. Tests, benchmarks and examples enrol every
/// algorithm from here instead of keeping their own lists.
/// </summary>
public sealed class OptimizerInfo
{
    /// <summary>Builds the optimizer with the given flags and lr (null: the constructor's default), every other option at its default.</summary>
    internal delegate Optimizer Factory(OptimizerParams parameters, ImplementationFlags flags, FloatOrTensor? lr);

    private readonly Factory _create;

    /// <param name="type">The optimizer's class.</param>
    /// <param name="fixturePrefix">See <see cref="FixturePrefix"/>.</param>
    /// <param name="trainingLr">See <see cref="TrainingLr"/>.</param>
    /// <param name="flags">The implementation flags its constructor takes: some of ForEach, Fused, Differentiable.</param>
    /// <param name="create">The constructor call, passing on the flags the constructor takes and the lr.</param>
    /// <param name="needs">What it needs beyond dense parameters of any shape, dense gradients and a plain step.</param>
    internal OptimizerInfo(Type type, string fixturePrefix, double? trainingLr, ImplementationChoice[] flags, Factory create, Needs needs)
    {
        Type = type;
        FixturePrefix = fixturePrefix;
        TrainingLr = trainingLr;
        Implementations = Enum.GetValues<ImplementationChoice>()
            .Where(c => c is ImplementationChoice.Default or ImplementationChoice.Reference || flags.Contains(c)).ToArray();
        _create = create;
        SparseGradientsOnly = needs.HasFlag(Needs.SparseGradients);
        StepRequiresClosure = needs.HasFlag(Needs.Closure);
        MatricesOnly = needs.HasFlag(Needs.Matrices);
        SupportsParamGroups = !needs.HasFlag(Needs.SingleGroup);
        SwitchesTrainEvalModes = needs.HasFlag(Needs.TrainEvalModes);
    }

    /// <summary>What an algorithm needs from its callers, for the registry's lines.</summary>
    [Flags]
    internal enum Needs
    {
        None = 0,
        SparseGradients = 1,
        Closure = 2,
        Matrices = 4,
        SingleGroup = 8,
        TrainEvalModes = 16,
    }

    /// <summary>PyTorch's class name, which is also ours: <c>"SGD"</c>, <c>"SparseAdam"</c>.</summary>
    public string Name => Type.Name;

    /// <summary>The optimizer's class.</summary>
    public Type Type { get; }

    /// <summary>
    /// How its fixture files begin (<c>"sparse_adam"</c> for <c>sparse_adam_trajectories.json.gz</c>),
    /// as PyTorch names the algorithm's module; <see cref="OptimizerRegistry.Get"/> accepts it too.
    /// </summary>
    public string FixturePrefix { get; }

    /// <summary>
    /// A learning rate that trains examples/Train's digits MLP with the options the example gives
    /// the algorithm (chosen by a sweep on seed 0); null where the algorithm cannot train that dense
    /// model (<see cref="SparseGradientsOnly"/>).
    /// </summary>
    public double? TrainingLr { get; }

    /// <summary>
    /// The implementations it can be asked for, in <see cref="ImplementationChoice"/> order: always
    /// <see cref="ImplementationChoice.Default"/> and <see cref="ImplementationChoice.Reference"/>,
    /// and each of the others whose flag its constructor takes.
    /// </summary>
    public IReadOnlyList<ImplementationChoice> Implementations { get; }

    /// <summary>Its step takes sparse gradients only and refuses dense ones (SparseAdam).</summary>
    public bool SparseGradientsOnly { get; }

    /// <summary>Its step must be given a closure that re-evaluates the loss (LBFGS).</summary>
    public bool StepRequiresClosure { get; }

    /// <summary>It takes 2-D parameters only (Muon: optimise biases and embeddings with another optimizer).</summary>
    public bool MatricesOnly { get; }

    /// <summary>It takes more than one parameter group (all but LBFGS).</summary>
    public bool SupportsParamGroups { get; }

    /// <summary>
    /// It switches its parameters between a training and an evaluation sequence, so its caller
    /// must call <c>Train()</c> before stepping and <c>Eval()</c> before evaluating (Schedule-Free).
    /// </summary>
    public bool SwitchesTrainEvalModes { get; }

    /// <summary>Whether <paramref name="choice"/> is one of its <see cref="Implementations"/>.</summary>
    public bool Supports(ImplementationChoice choice) => Implementations.Contains(choice);

    /// <summary>
    /// The constructor flags that ask for <paramref name="choice"/>. The reference path of an
    /// algorithm with no <c>foreach</c> flag (LBFGS, which has no other) is asked for with none.
    /// </summary>
    /// <exception cref="ArgumentException">It has no such implementation.</exception>
    public ImplementationFlags FlagsFor(ImplementationChoice choice)
    {
        if (!Supports(choice))
            throw new ArgumentException($"{Name} has no {Describe(choice)} implementation; it has {DescribeImplementations()}.", nameof(choice));
        return choice switch
        {
            ImplementationChoice.Reference when Supports(ImplementationChoice.ForEach) => new(ForEach: false),
            ImplementationChoice.ForEach => new(ForEach: true),
            ImplementationChoice.Fused => new(Fused: true),
            ImplementationChoice.Differentiable => new(Differentiable: true),
            _ => new(),
        };
    }

    /// <summary>The optimizer over <paramref name="parameters"/> on <paramref name="choice"/>, every other option at its default, ready to step (a <see cref="ScheduleFreeOptimizer"/> in train mode).</summary>
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s, as the constructor takes them.</param>
    /// <param name="choice">One of its <see cref="Implementations"/>.</param>
    /// <param name="lr">The learning rate; null: the constructor's default.</param>
    /// <exception cref="ArgumentException">It has no such implementation (or the constructor refuses an argument).</exception>
    public Optimizer Create(OptimizerParams parameters, ImplementationChoice choice, FloatOrTensor? lr = null)
    {
        var flags = FlagsFor(choice);
        return Create(parameters, flags.ForEach, flags.Fused, flags.Differentiable, lr);
    }

    /// <summary>
    /// The optimizer over <paramref name="parameters"/> with PyTorch's implementation flags, every
    /// other option at its default, ready to step (a <see cref="ScheduleFreeOptimizer"/> in train mode). A flag its constructor does not take is refused, as Python
    /// refuses an unexpected keyword argument; combinations the constructor refuses (<c>fused</c>
    /// with <c>foreach</c> or <c>differentiable</c>) it refuses with its own exception.
    /// </summary>
    /// <param name="parameters">Tensors, (name, tensor) tuples, or <see cref="ParamGroup"/>s, as the constructor takes them.</param>
    /// <param name="foreach">PyTorch's <c>foreach</c> (only where <see cref="ImplementationChoice.ForEach"/> is supported).</param>
    /// <param name="fused">PyTorch's <c>fused</c> (only where <see cref="ImplementationChoice.Fused"/> is supported).</param>
    /// <param name="differentiable">PyTorch's <c>differentiable</c> (true only where <see cref="ImplementationChoice.Differentiable"/> is supported).</param>
    /// <param name="lr">The learning rate; null: the constructor's default.</param>
    /// <exception cref="ArgumentException">A flag it does not take (or an argument the constructor refuses).</exception>
    public Optimizer Create(OptimizerParams parameters, bool? @foreach = null, bool? fused = null, bool differentiable = false, FloatOrTensor? lr = null)
    {
        RefuseAbsentFlag(@foreach is not null, ImplementationChoice.ForEach, nameof(@foreach));
        RefuseAbsentFlag(fused is not null, ImplementationChoice.Fused, nameof(fused));
        RefuseAbsentFlag(differentiable, ImplementationChoice.Differentiable, nameof(differentiable));
        var optimizer = _create(parameters, new ImplementationFlags(@foreach, fused, differentiable), lr);
        // Ready to step, as every caller of the registry steps it: a schedule-free optimizer in train mode.
        if (optimizer is ScheduleFreeOptimizer scheduleFree) scheduleFree.Train();
        return optimizer;
    }

    private void RefuseAbsentFlag(bool given, ImplementationChoice flag, string name)
    {
        if (given && !Supports(flag))
            throw new ArgumentException($"{Name} has no `{name}` option; it has {DescribeImplementations()}.", name);
    }

    private static string Describe(ImplementationChoice choice) => choice.ToString().ToLowerInvariant();

    private string DescribeImplementations() => $"the implementations {string.Join(", ", Implementations.Select(Describe))}";

    /// <summary>The class name.</summary>
    public override string ToString() => Name;
}
