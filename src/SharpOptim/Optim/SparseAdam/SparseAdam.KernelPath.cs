using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

// SparseAdam's kernel path: the touched rows of every parameter of a group in one dispatch. The
// gradients' entries are indexed by row in buffers kept between steps (duplicates merged in the
// kernel, as coalescing would merge them), so a steady-state step allocates nothing.
public sealed partial class SparseAdam
{
    /// <summary>One parameter's part of the dispatch: its tensors, where its entry index sits in the kept buffers, and its step size.</summary>
    private readonly record struct Slot(Tensor Param, Tensor ExpAvg, Tensor ExpAvgSq, Tensor Values, int Inner,
                                        int KeysStart, int Entries, int RowStartsStart, int TouchedRows, double NegStepSize);

    private Slot[] _slots = [];
    private long[] _entryKeys = [];
    private int[] _rowStarts = [];

    /// <summary>The single-pass kernel over the touched rows of every parameter of the group at once.</summary>
    private void Kernel<TMath>(List<Tensor> ps, List<ParamState> states, PyNumber lr, double beta1, double beta2, double eps, bool maximize)
        where TMath : IKernelMath
    {
        if (_slots.Length < ps.Count) _slots = new Slot[ps.Count];
        int keyCount = 0, rowStartCount = 0;
        foreach (var p in ps)
        {
            int entries = p.Grad!.Indices().ShapeRef[1];
            keyCount += entries;
            rowStartCount += entries + 1;
        }
        if (_entryKeys.Length < keyCount) _entryKeys = new long[keyCount];
        if (_rowStarts.Length < rowStartCount) _rowStarts = new int[rowStartCount];

        int keysStart = 0, rowStartsStart = 0, lastStep = -1;
        double negStepSize = 0;
        for (int i = 0; i < ps.Count; i++)
        {
            var grad = ps[i].Grad!;
            int entries = grad.Indices().ShapeRef[1];
            int touched = SparseRowUpdate.IndexRows(grad, _entryKeys.AsSpan(keysStart, entries), _rowStarts.AsSpan(rowStartsStart, entries + 1));
            // Parameters usually share their step count, and then their step size.
            if (states[i].Step != lastStep) (negStepSize, lastStep) = (NegStepSize(lr, beta1, beta2, states[i].Step), states[i].Step);
            _slots[i] = new Slot(ps[i], states[i].ExpAvg, states[i].ExpAvgSq, grad.Values(), Tensor.SparseInnerSize(grad),
                                 keysStart, entries, rowStartsStart, touched, negStepSize);
            keysStart += entries;
            rowStartsStart += entries + 1;
        }
        ParallelChunker.Run(ps.Count, new Chunks<TMath>(_slots, _entryKeys, _rowStarts, new SparseAdamHyper(1 - beta1, 1 - beta2, eps, maximize)));
        for (int i = 0; i < ps.Count; i++)
        {
            ps[i].MarkModified();
            states[i].ExpAvg.MarkModified();
            states[i].ExpAvgSq.MarkModified();
        }
    }

    /// <summary>
    /// The negated <see cref="StepSize"/>, without building tensors: a float tensor lr rounds each
    /// operation to its dtype (<see cref="HyperScalar"/>) as the tensor arithmetic does, and a
    /// number lr divides as Python does. An integer tensor lr, a rare case, takes the tensor ops.
    /// </summary>
    private static double NegStepSize(PyNumber lr, double beta1, double beta2, int step)
    {
        if (lr.Tensor is { DType: not (DType.Float32 or DType.Float64) }) return -StepSize(lr, beta1, beta2, step).Value;
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        if (biasCorrection1 == 0 && !lr.IsTensor) throw new DivideByZeroException("float division by zero");
        var lrScalar = lr.Tensor is { } t ? HyperScalar.Of(t) : HyperScalar.Number(lr.Value);
        return -(lrScalar * Math.Sqrt(1 - Math.Pow(beta2, step)) / biasCorrection1).Value;
    }

    private readonly struct Chunks<TMath>(Slot[] slots, long[] entryKeys, int[] rowStarts, SparseAdamHyper h) : IChunkBody where TMath : IKernelMath
    {
        public int Length(int tensor) => slots[tensor].TouchedRows * slots[tensor].Inner;

        public void Run(int tensor, int start, int length)
        {
            ref readonly var s = ref slots[tensor];
            var keys = entryKeys.AsSpan(s.KeysStart, s.Entries);
            var starts = rowStarts.AsSpan(s.RowStartsStart, s.TouchedRows + 1);
            if (s.Param.DType == DType.Float32)
                SparseRowUpdate.Step<float, TMath>(s.Param.AsSpan<float>(), s.ExpAvg.AsSpan<float>(), s.ExpAvgSq.AsSpan<float>(), keys, starts,
                    s.Values.AsSpan<float>(), s.Inner, start, length, s.NegStepSize, h);
            else
                SparseRowUpdate.Step<double, TMath>(s.Param.AsSpan<double>(), s.ExpAvg.AsSpan<double>(), s.ExpAvgSq.AsSpan<double>(), keys, starts,
                    s.Values.AsSpan<double>(), s.Inner, start, length, s.NegStepSize, h);
        }
    }
}
