using System.Numerics;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// The state tensors of one parameter that an element-wise kernel updates, in the order the
/// algorithm's <see cref="IElementOp{T, TVec}"/> takes them (null: absent). The skeleton slices them per
/// chunk and bumps their version counters, so no algorithm has to remember to.
/// </summary>
internal readonly record struct KernelBuffers(Tensor? A = null, Tensor? B = null, Tensor? C = null);

/// <summary>One parameter's state as an element-wise algorithm's step reads it.</summary>
internal interface IElementwiseState
{
    /// <summary>The <c>step</c> counter that the kernel path counts before the update (the reference path counts it in its loop); null when the algorithm keeps none.</summary>
    Tensor? Step { get; }

    /// <summary>The buffers the kernel reads and writes.</summary>
    KernelBuffers Buffers { get; }
}

/// <summary>
/// What an element-wise optimizer is beyond the shared skeleton: its options, its state layout, its
/// reference path and its kernel's math. Implemented by a struct of static members, so the
/// skeleton (<see cref="ElementwiseSteps{TAlgorithm, TState, THyper, TScalars}"/>) is generic code with
/// no virtual call and no allocation per step.
/// </summary>
/// <typeparam name="TState">One parameter's state, as <see cref="ReadState"/> reads it.</typeparam>
/// <typeparam name="THyper">The group's options as a step reads them.</typeparam>
/// <typeparam name="TScalars">The kernel's scalars for one parameter (may be <typeparamref name="THyper"/> itself).</typeparam>
internal interface IElementwiseAlgorithm<TState, THyper, TScalars>
    where TState : struct, IElementwiseState where THyper : struct where TScalars : struct
{
    /// <summary>PyTorch's class name, for messages.</summary>
    static abstract string Name { get; }

    /// <summary>
    /// The group's options for this step, and the algorithm's own refusals of the parameters with a
    /// gradient (<paramref name="ps"/>, maybe none), made before anything changes.
    /// </summary>
    static abstract THyper ReadHyper(Optimizer owner, ParamGroup group, List<Tensor> ps, bool anySparse, StepImplementation path);

    /// <summary>
    /// Whether this step has per-parameter state at all. False: nothing is read or created, not even
    /// an empty state (SGD without momentum, for which PyTorch keeps none), and every parameter's
    /// state is <c>default</c>. Default: true.
    /// </summary>
    static virtual bool KeepsState(in THyper h) => true;

    /// <summary>An existing state, each entry checked by <paramref name="entries"/>; changes nothing.</summary>
    static abstract TState ReadState(in StepStateEntries entries, in THyper h);

    /// <summary>Adds a new parameter's entries (or those an option now needs) in PyTorch's key order.</summary>
    static abstract void CreateState(OrderedDictionary<string, object?> state, Tensor param, in THyper h);

    /// <summary>Whether an accepted state still lacks entries this step creates.</summary>
    static virtual bool LacksEntries(in TState state, in THyper h) => false;

    /// <summary>PyTorch's <c>_single_tensor_*</c>, operation for operation, <c>step += 1</c> included.</summary>
    static abstract void Reference(List<Tensor> ps, List<TState> states, in THyper h);

    /// <summary>
    /// The kernel's scalars for one parameter after its <c>step</c> became <paramref name="step"/>
    /// (0 without a counter). <paramref name="previous"/> is the preceding parameter's (when
    /// <paramref name="hasPrevious"/>): parameters usually share their step and dtype, and then
    /// their scalars, which saves recomputing them.
    /// </summary>
    static abstract TScalars Scalars(in TState state, Tensor param, double step, in THyper h, in TScalars previous, bool hasPrevious);

    /// <summary>
    /// Runs the algorithm's <see cref="IElementOp{T, TVec}"/> over one chunk with
    /// <see cref="ElementwiseDriver{T, TVec}"/>, at the vector width <typeparamref name="TVec"/> the skeleton chose.
    /// </summary>
    static abstract void Chunk<T, TMath, TVec>(in TScalars scalars, in ElementChunk<T> chunk)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath where TVec : struct, ISimdVector<TVec, T>;

    /// <summary>Before the kernel runs (after scalars): e.g. SGD's new momentum buffers. Default: nothing.</summary>
    static virtual void BeforeKernel(List<Tensor> ps, List<TState> states, in THyper h) { }

    /// <summary>After either path: state that is not element-wise (ASGD's eta and mu, SGD's new buffers). Default: nothing.</summary>
    static virtual void AfterStep(Optimizer owner, List<Tensor> ps, List<TState> states, in THyper h, StepImplementation path) { }
}
