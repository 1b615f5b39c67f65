using System.Numerics;
using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

// Adafactor's kernel path: per-param reductions and second-moment updates on the calling thread,
// then one parallel pass over every param. The buffers are kept between steps, so a steady-state
// step allocates nothing.
public sealed partial class Adafactor
{
    private AdafactorSlot[] _slots = [];
    private double[] _rowVarMeans = [];
    private double[] _sumsScratch = [];

    /// <summary>The kernel path: per-param reductions and state, then one parallel pass over every param.</summary>
    private void Kernel<TMath>(List<Tensor> ps, List<ParamState> states, AdafactorHyper h) where TMath : IKernelMath
    {
        if (_slots.Length < ps.Count) _slots = new AdafactorSlot[ps.Count];
        var slots = _slots;
        int meansCount = 0, scratchCount = 0;
        for (int i = 0; i < ps.Count; i++)
        {
            var s = states[i];
            slots[i] = new AdafactorSlot(ps[i], ps[i].Grad!, s.RowVar, s.ColVar, s.Variance, MeansStart: meansCount);
            meansCount += slots[i].MeansCount;
            scratchCount = Math.Max(scratchCount, slots[i].ScratchCount);
        }
        if (_rowVarMeans.Length < meansCount) _rowVarMeans = new double[meansCount];
        if (_sumsScratch.Length < scratchCount) _sumsScratch = new double[scratchCount];

        AdafactorStepScalars step = default;
        double lastStep = double.NaN;
        for (int i = 0; i < ps.Count; i++)
        {
            double t = ScalarState.Increment(states[i].Step);
            // Parameters usually share their step count, and then its numbers.
            if (t != lastStep) (step, lastStep) = (h.ForStep(t), t);
            ref var slot = ref slots[i];
            var means = _rowVarMeans.AsSpan(slot.MeansStart, slot.MeansCount);
            double scale = slot.Param.DType == DType.Float32
                ? AdafactorKernel.Prepare<float, TMath>(slot, means, _sumsScratch, h, step)
                : AdafactorKernel.Prepare<double, TMath>(slot, means, _sumsScratch, h, step);
            slot = slot with { Scale = scale };
        }
        ElementwiseKernel.Run(ps, nameof(Adafactor), new Chunks<TMath>(slots, _rowVarMeans, h));
        for (int i = 0; i < ps.Count; i++) slots[i].MarkModified();
    }

    private readonly struct Chunks<TMath>(AdafactorSlot[] slots, double[] rowVarMeans, AdafactorHyper h) : IElementwiseKernel where TMath : IKernelMath
    {
        public void Run<T>(int tensor, int start, int length) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref readonly var slot = ref slots[tensor];
            AdafactorKernel.Apply<T, TMath>(slot, rowVarMeans.AsSpan(slot.MeansStart, slot.MeansCount), start, length, h);
        }
    }
}
