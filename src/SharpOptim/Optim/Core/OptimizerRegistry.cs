using System.Diagnostics.CodeAnalysis;
using static SharpOptim.Optim.ImplementationChoice;
using Needs = SharpOptim.Optim.OptimizerInfo.Needs;

namespace SharpOptim.Optim;

/// <summary>
/// Every optimizer of the library, one <see cref="OptimizerInfo"/> each, after PyTorch's
/// <c>optim_db</c>. Adding an algorithm adds one line here; the allocation, chunking and registry
/// tests, the benchmark and examples/Train's <c>--optimizer</c> pick it up from this list.
/// </summary>
public static class OptimizerRegistry
{
    /// <summary>
    /// Every algorithm, in the order examples/Train lists and compares them (the dense-gradient
    /// ones first, SparseAdam last). Training lrs as examples/Train chose them by a sweep.
    /// </summary>
    public static IReadOnlyList<OptimizerInfo> All { get; } =
    [
        Info("sgd", 0.05, [ForEach, Fused, Differentiable], (ps, f, lr) => new SGD(ps, lr, @foreach: f.ForEach, fused: f.Fused, differentiable: f.Differentiable)),
        Info("adam", 1e-3, [ForEach, Fused, Differentiable], (ps, f, lr) => new Adam(ps, lr, @foreach: f.ForEach, fused: f.Fused, differentiable: f.Differentiable)),
        Info("adamw", 1e-3, [ForEach, Fused, Differentiable], (ps, f, lr) => new AdamW(ps, lr, @foreach: f.ForEach, fused: f.Fused, differentiable: f.Differentiable)),
        Info("adamax", 2e-3, [ForEach, Differentiable], (ps, f, lr) => new Adamax(ps, lr, @foreach: f.ForEach, differentiable: f.Differentiable)),
        Info("nadam", 2e-3, [ForEach, Differentiable], (ps, f, lr) => new NAdam(ps, lr, @foreach: f.ForEach, differentiable: f.Differentiable)),
        Info("radam", 3e-3, [ForEach, Differentiable], (ps, f, lr) => new RAdam(ps, lr, @foreach: f.ForEach, differentiable: f.Differentiable)),
        Info("asgd", 0.1, [ForEach, Differentiable], (ps, f, lr) => new ASGD(ps, lr, @foreach: f.ForEach, differentiable: f.Differentiable)),
        Info("adagrad", 0.05, [ForEach, Fused, Differentiable], (ps, f, lr) => new Adagrad(ps, lr, @foreach: f.ForEach, fused: f.Fused, differentiable: f.Differentiable)),
        Info("adadelta", 1.0, [ForEach, Differentiable], (ps, f, lr) => new Adadelta(ps, lr, @foreach: f.ForEach, differentiable: f.Differentiable)),
        Info("rmsprop", 1e-3, [ForEach, Differentiable], (ps, f, lr) => new RMSprop(ps, lr, @foreach: f.ForEach, differentiable: f.Differentiable)),
        Info("rprop", 1e-2, [ForEach, Differentiable], (ps, f, lr) => new Rprop(ps, lr, @foreach: f.ForEach, differentiable: f.Differentiable)),
        Info("adafactor", 1e-2, [ForEach, Fused], (ps, f, lr) => new Adafactor(ps, lr, @foreach: f.ForEach, fused: f.Fused)),
        Info("adamw_schedulefree", 0.02, [ForEach], (ps, f, lr) => new AdamWScheduleFree(ps, lr, @foreach: f.ForEach), Needs.TrainEvalModes),
        Info("sgd_schedulefree", 1.0, [ForEach], (ps, f, lr) => new SGDScheduleFree(ps, lr, @foreach: f.ForEach), Needs.TrainEvalModes),
        Info("lbfgs", 1.0, [], (ps, _, lr) => new LBFGS(ps, lr), Needs.Closure | Needs.SingleGroup),
        Info("muon", 0.02, [ForEach, Fused], (ps, f, lr) => new Muon(ps, lr, @foreach: f.ForEach, fused: f.Fused), Needs.Matrices),
        Info("sparse_adam", null, [ForEach, Fused], (ps, f, lr) => new SparseAdam(ps, lr, @foreach: f.ForEach, fused: f.Fused), Needs.SparseGradients),
    ];

    /// <summary>The class names of <see cref="All"/>, in its order.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(info => info.Name).ToArray();

    /// <summary>
    /// The algorithm named <paramref name="name"/>: its class name or its fixture prefix, in any
    /// case (<c>"adam"</c>, <c>"RMSprop"</c>, <c>"sparse_adam"</c>).
    /// </summary>
    /// <exception cref="ArgumentException">No algorithm has that name; the message lists the known ones.</exception>
    public static OptimizerInfo Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryGet(name, out var info)
            ? info
            : throw new ArgumentException($"Unknown optimizer '{name}'. Known: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>The algorithm named <paramref name="name"/> as <see cref="Get"/> finds it, or false.</summary>
    public static bool TryGet(string? name, [NotNullWhen(true)] out OptimizerInfo? info)
    {
        info = All.FirstOrDefault(i => i.Name.Equals(name, StringComparison.OrdinalIgnoreCase)
                                    || i.FixturePrefix.Equals(name, StringComparison.OrdinalIgnoreCase));
        return info is not null;
    }

    /// <summary>One entry: <typeparamref name="T"/>'s, built by <paramref name="create"/>.</summary>
    private static OptimizerInfo Info<T>(string fixturePrefix, double? trainingLr, ImplementationChoice[] flags,
                                         Func<OptimizerParams, ImplementationFlags, FloatOrTensor?, T> create,
                                         Needs needs = Needs.None) where T : Optimizer
        => new(typeof(T), fixturePrefix, trainingLr, flags, (ps, f, lr) => create(ps, f, lr), needs);
}
