using System.Numerics;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

// Adafactor's kernel paths: the reductions (in the reference's order on the calling thread, or
// reordered in parallel chunks), then one parallel pass over every param. The buffers are kept
// between steps, so a steady-state step allocates nothing.
public sealed partial class Adafactor
{
    private AdafactorSlot[] _slots = [];
    private double[] _rowVarMeans = [];
    private double[] _sumsScratch = [];
    private double[] _paramSquares = [];
    private double[] _updateSquares = [];

    /// <summary>
    /// The <c>foreach</c> kernel: per-param reductions and state in the reference's order (bit for
    /// bit the reference path's values with <see cref="ExactMath"/>), then one parallel pass.
    /// </summary>
    private void InOrderKernel<TMath>(List<Tensor> ps, List<ParamState> states, AdafactorHyper h) where TMath : IKernelMath
    {
        var slots = FillSlots(ps, states, h);
        for (int i = 0; i < ps.Count; i++)
        {
            ref var slot = ref slots[i];
            var means = _rowVarMeans.AsSpan(slot.MeansStart, slot.MeansCount);
            double scale = slot.Param.DType == DType.Float32
                ? AdafactorPasses.Prepare<float, TMath>(slot, means, _sumsScratch, h)
                : AdafactorPasses.Prepare<double, TMath>(slot, means, _sumsScratch, h);
            slot = slot with { Scale = scale };
        }
        Apply<TMath>(ps, slots, h);
    }

    /// <summary>
    /// The default and fused kernel: the sums of squares reordered into vector lanes and parallel
    /// chunks. A first parallel pass sums each param's squares (and updates a full variance and
    /// sums its update's squares); factored moments are updated per param; a second parallel pass
    /// sums the factored updates' squares; then the update pass. A full-variance param of one chunk
    /// takes its whole step in the first pass, while its data is still in cache.
    /// </summary>
    private void ReorderedKernel<TMath>(List<Tensor> ps, List<ParamState> states, AdafactorHyper h) where TMath : IKernelMath
    {
        var slots = FillSlots(ps, states, h);
        ElementwiseKernel.Run(ps, nameof(Adafactor), new FirstPassChunks<TMath>(slots, _paramSquares, _updateSquares, h));
        bool anyFactored = false, anyLeft = false;
        for (int i = 0; i < ps.Count; i++)
        {
            anyLeft |= !WholeInFirstPass(slots[i]);
            if (!slots[i].Factored) continue;
            anyFactored = true;
            if (ps[i].DType == DType.Float32) UpdateFactoredMoments<float, TMath>(slots[i], h);
            else UpdateFactoredMoments<double, TMath>(slots[i], h);
        }
        if (!anyLeft)
        {
            for (int i = 0; i < ps.Count; i++) slots[i].MarkModified();
            return;
        }
        if (anyFactored) ElementwiseKernel.Run(ps, nameof(Adafactor), new FactoredSquaresChunks(slots, _rowVarMeans, _updateSquares, h));
        for (int i = 0; i < ps.Count; i++)
        {
            ref var slot = ref slots[i];
            if (WholeInFirstPass(slot)) continue;
            int first = slot.ChunksStart, count = ChunkCount(slot.Param);
            double paramSquares = 0, updateSquares = 0;
            for (int c = first; c < first + count; c++)
            {
                paramSquares += _paramSquares[c];
                updateSquares += _updateSquares[c];
            }
            double scale = slot.Param.DType == DType.Float32
                ? AdafactorPasses.StepScale<float>(slot, paramSquares, updateSquares, h)
                : AdafactorPasses.StepScale<double>(slot, paramSquares, updateSquares, h);
            slot = slot with { Scale = scale };
        }
        Apply<TMath>(ps, slots, h, skipWholeInFirstPass: true);
    }

    /// <summary>A full-variance param of one chunk: its sums, scale and update all come from one work item.</summary>
    private static bool WholeInFirstPass(in AdafactorSlot slot) => !slot.Factored && slot.Param.Numel <= ParallelChunker.ChunkElements;

    private void UpdateFactoredMoments<T, TMath>(in AdafactorSlot slot, AdafactorHyper h)
        where T : unmanaged, IFloatingPointIeee754<T> where TMath : IKernelMath
        => AdafactorPasses.UpdateFactoredMoments<T, TMath>(slot, slot.Grad.AsSpan<T>(), T.CreateTruncating(slot.Step.OneMinusBeta2),
               T.CreateTruncating(h.Eps1), _rowVarMeans.AsSpan(slot.MeansStart, slot.MeansCount), _sumsScratch, inOrder: false);

    /// <summary>
    /// Advances every param's step and fills the slots (their step numbers, and where their row-var
    /// means and chunk sums go), growing the kept buffers as needed.
    /// </summary>
    private AdafactorSlot[] FillSlots(List<Tensor> ps, List<ParamState> states, AdafactorHyper h)
    {
        if (_slots.Length < ps.Count) _slots = new AdafactorSlot[ps.Count];
        var slots = _slots;
        int meansCount = 0, scratchCount = 0, chunkCount = 0;
        AdafactorStepScalars step = default;
        double lastStep = double.NaN;
        for (int i = 0; i < ps.Count; i++)
        {
            var s = states[i];
            double t = ScalarState.Increment(s.Step);
            // Parameters usually share their step count, and then its numbers.
            if (t != lastStep) (step, lastStep) = (h.ForStep(t), t);
            slots[i] = new AdafactorSlot(ps[i], ps[i].Grad!, s.RowVar, s.ColVar, s.Variance, step, MeansStart: meansCount, ChunksStart: chunkCount);
            meansCount += slots[i].MeansCount;
            scratchCount = Math.Max(scratchCount, slots[i].ScratchCount);
            chunkCount += ChunkCount(ps[i]);
        }
        if (_rowVarMeans.Length < meansCount) _rowVarMeans = new double[meansCount];
        if (_sumsScratch.Length < scratchCount) _sumsScratch = new double[scratchCount];
        if (_paramSquares.Length < chunkCount)
        {
            _paramSquares = new double[chunkCount];
            _updateSquares = new double[chunkCount];
        }
        return slots;
    }

    /// <summary>How many chunks <see cref="ParallelChunker"/> cuts the param into.</summary>
    private static int ChunkCount(Tensor p) => (p.Numel + ParallelChunker.ChunkElements - 1) / ParallelChunker.ChunkElements;

    /// <summary>The update pass over every param (or those left by the first pass), then the version counters of everything the step wrote.</summary>
    private void Apply<TMath>(List<Tensor> ps, AdafactorSlot[] slots, AdafactorHyper h, bool skipWholeInFirstPass = false) where TMath : IKernelMath
    {
        ElementwiseKernel.Run(ps, nameof(Adafactor), new ApplyChunks<TMath>(slots, _rowVarMeans, h, skipWholeInFirstPass));
        for (int i = 0; i < ps.Count; i++) slots[i].MarkModified();
    }

    private readonly struct ApplyChunks<TMath>(AdafactorSlot[] slots, double[] rowVarMeans, AdafactorHyper h, bool skipWholeInFirstPass)
        : IElementwiseKernel where TMath : IKernelMath
    {
        public void Run<T>(int tensor, int start, int length) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref readonly var slot = ref slots[tensor];
            if (skipWholeInFirstPass && WholeInFirstPass(slot)) return;
            AdafactorPasses.Apply<T, TMath>(slot, rowVarMeans.AsSpan(slot.MeansStart, slot.MeansCount), start, length, h);
        }
    }

    /// <summary>
    /// Each chunk's sums go to its own entries (chunk starts are multiples of the chunk size), added
    /// in order afterwards; a param whose whole step fits this work item (see
    /// <see cref="WholeInFirstPass"/>) gets its scale and update here too.
    /// </summary>
    private readonly struct FirstPassChunks<TMath>(AdafactorSlot[] slots, double[] paramSquares, double[] updateSquares, AdafactorHyper h)
        : IElementwiseKernel where TMath : IKernelMath
    {
        public void Run<T>(int tensor, int start, int length) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref var slot = ref slots[tensor];
            int chunk = slot.ChunksStart + start / ParallelChunker.ChunkElements;
            AdafactorPasses.FirstPass<T, TMath>(slot, start, length, h, out paramSquares[chunk], out updateSquares[chunk]);
            if (!WholeInFirstPass(slot)) return;
            slot = slot with { Scale = AdafactorPasses.StepScale<T>(slot, paramSquares[chunk], updateSquares[chunk], h) };
            AdafactorPasses.Apply<T, TMath>(slot, [], start, length, h);
        }
    }

    private readonly struct FactoredSquaresChunks(AdafactorSlot[] slots, double[] rowVarMeans, double[] updateSquares, AdafactorHyper h) : IElementwiseKernel
    {
        public void Run<T>(int tensor, int start, int length) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref readonly var slot = ref slots[tensor];
            if (!slot.Factored) return;
            updateSquares[slot.ChunksStart + start / ParallelChunker.ChunkElements]
                = AdafactorPasses.FactoredUpdateSquares<T>(slot, rowVarMeans.AsSpan(slot.MeansStart, slot.MeansCount), start, length, h);
        }
    }
}
