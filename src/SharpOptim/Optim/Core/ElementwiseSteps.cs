using System.Numerics;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

/// <summary>
/// The one skeleton of an element-wise optimizer's step, which each such optimizer holds and
/// hands its <see cref="Optimizer.CheckGroup"/> and <see cref="Optimizer.StepGroup"/> to:
/// collect the parameters with a gradient, refuse what the algorithm refuses, read (and only then
/// create) every parameter's state, count <c>step</c>, then run the reference path or the kernel
/// (<c>foreach</c>: <see cref="ExactMath"/>; fused or default: <see cref="FusedMath"/>), which counts
/// <c>step</c> and runs over the whole group in one dispatch. Everything is checked before anything changes, and a steady-state
/// step allocates nothing: the lists live here between steps and every call is generic over
/// structs.
/// </summary>
internal sealed class ElementwiseSteps<TAlgorithm, TState, THyper, TScalars>
    where TAlgorithm : struct, IElementwiseAlgorithm<TState, THyper, TScalars>
    where TState : struct, IElementwiseState where THyper : struct where TScalars : struct
{
    // Kept between steps and refilled per group, so that a steady-state step allocates nothing.
    private readonly List<Tensor> _params = [];
    private readonly List<TState> _states = [];
    private TScalars[] _scalars = [];

    /// <summary>The step's checks for <paramref name="group"/>, with nothing created or changed.</summary>
    public void Check(Optimizer owner, ParamGroup group) => Gather(owner, group, create: false);

    /// <summary>One step of <paramref name="group"/>.</summary>
    public void Step(Optimizer owner, ParamGroup group)
    {
        var (path, h) = Gather(owner, group, create: true);
        var (ps, states) = (_params, _states);
        if (ps.Count == 0) return;
        // The reference path counts each step itself, inside its loop as PyTorch's for-loop does (a
        // parameter listed twice counts twice, and its second update sees the second count).
        if (path == StepImplementation.Reference) TAlgorithm.Reference(ps, states, h);
        else
        {
            ComputeScalars(ps, states, h);
            TAlgorithm.BeforeKernel(ps, states, h);
            if (path == StepImplementation.ExactKernel) ElementwiseKernel.Run(ps, TAlgorithm.Name, new Chunks<ExactMath>(ps, states, _scalars));
            else ElementwiseKernel.Run(ps, TAlgorithm.Name, new Chunks<FusedMath>(ps, states, _scalars));
        }
        TAlgorithm.AfterStep(owner, ps, states, h, path);
    }

    /// <summary>Everything the step reads, checked before it changes anything (state created only with <paramref name="create"/>).</summary>
    private (StepImplementation, THyper) Gather(Optimizer owner, ParamGroup group, bool create)
    {
        var ps = Optimizer.ParamsWithGrad(group, _params, out bool anySparse);
        var path = Optimizer.ResolveImplementation(group, anySparse);
        var h = TAlgorithm.ReadHyper(owner, group, ps, anySparse, path);
        string? kernel = path == StepImplementation.Reference ? null : TAlgorithm.Name;
        if (TAlgorithm.KeepsState(h)) owner.GatherStates(ps, _states, new Schema(h), create, kernel);
        else WithoutState(ps, kernel);
        return (path, h);
    }

    /// <summary>A default state per parameter, and the kernel's dtype check that gathering would make, in one pass.</summary>
    private void WithoutState(List<Tensor> ps, string? kernel)
    {
        _states.Clear();
        for (int i = 0; i < ps.Count; i++)
        {
            if (kernel is not null) StepGuards.CheckKernelDType(kernel, ps[i]);
            _states.Add(default);
        }
    }

    /// <summary>Counts each parameter's step and computes its kernel scalars, in one pass.</summary>
    private void ComputeScalars(List<Tensor> ps, List<TState> states, in THyper h)
    {
        if (_scalars.Length < ps.Count) _scalars = new TScalars[ps.Count];
        for (int i = 0; i < ps.Count; i++)
        {
            double step = states[i].Step is { } counter ? ScalarState.Increment(counter) : 0;
            _scalars[i] = TAlgorithm.Scalars(states[i], ps[i], step, h, i > 0 ? _scalars[i - 1] : default, hasPrevious: i > 0);
        }
    }

    /// <summary>The algorithm's state layout as <see cref="Optimizer.GatherStates{TState, TSchema}"/> reads it.</summary>
    private readonly struct Schema(THyper h) : IStepStateSchema<TState>
    {
        public TState Read(in StepStateEntries entries) => TAlgorithm.ReadState(entries, h);

        public bool LacksEntries(in TState state) => TAlgorithm.LacksEntries(state, h);

        public void Create(OrderedDictionary<string, object?> state, Tensor param) => TAlgorithm.CreateState(state, param, h);
    }

    /// <summary>Slices one chunk of a parameter, its gradient and its buffers for the algorithm's op.</summary>
    private readonly struct Chunks<TMath>(List<Tensor> ps, List<TState> states, TScalars[] scalars) : IElementwiseKernel
        where TMath : IKernelMath
    {
        public void Run<T>(int tensor, int start, int length) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var p = ps[tensor];
            var (a, b, c) = states[tensor].Buffers;
            // The buffers are written through spans: bump their version counters on the first chunk,
            // while their objects are in cache (the parameter's is bumped by ElementwiseKernel).
            if (start == 0)
            {
                a?.MarkModified();
                b?.MarkModified();
                c?.MarkModified();
            }
            var chunk = new ElementChunk<T>(
                ElementwiseKernel.Chunk<T>(p, start, length), ElementwiseKernel.Chunk<T>(p.Grad!, start, length),
                a is null ? default : ElementwiseKernel.Chunk<T>(a, start, length),
                b is null ? default : ElementwiseKernel.Chunk<T>(b, start, length),
                c is null ? default : ElementwiseKernel.Chunk<T>(c, start, length));
            if (KernelVectors.Use512) TAlgorithm.Chunk<T, TMath, Lanes512<T>>(scalars[tensor], chunk);
            else TAlgorithm.Chunk<T, TMath, NativeLanes<T>>(scalars[tensor], chunk);
        }
    }
}
